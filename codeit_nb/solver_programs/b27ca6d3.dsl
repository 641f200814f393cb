x1 = objects(I, TRUE, FALSE, TRUE)
x2 = sizefilter(x1, TWO)
x3 = mapply(outbox, x2)
O = underfill(I, GREEN, x3)
