x1 = objects(I, TRUE, FALSE, TRUE)
x2 = argmin(x1, size)
O = subgrid(x2, I)
