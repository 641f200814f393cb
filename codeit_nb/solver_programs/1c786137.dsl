x1 = objects(I, TRUE, FALSE, FALSE)
x2 = argmax(x1, size)
x3 = subgrid(x2, I)
O = trim(x3)
