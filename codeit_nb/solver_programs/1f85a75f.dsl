x1 = objects(I, TRUE, TRUE, TRUE)
x2 = argmax(x1, size)
O = subgrid(x2, I)
