x1 = objects(I, TRUE, TRUE, TRUE)
x2 = merge(x1)
x3 = backdrop(x2)
O = underfill(I, RED, x3)
