x1 = objects(I, TRUE, FALSE, TRUE)
x2 = mapply(delta, x1)
O = fill(I, BLUE, x2)
