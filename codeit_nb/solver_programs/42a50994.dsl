x1 = objects(I, TRUE, TRUE, TRUE)
x2 = sizefilter(x1, ONE)
x3 = merge(x2)
O = cover(I, x3)
