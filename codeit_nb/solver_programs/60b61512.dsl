x1 = objects(I, TRUE, TRUE, TRUE)
x2 = mapply(backdrop, x1)
O = underfill(I, ORANGE, x2)
