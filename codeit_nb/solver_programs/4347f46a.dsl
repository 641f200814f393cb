x1 = objects(I, TRUE, FALSE, TRUE)
x2 = compose(backdrop, inbox)
x3 = mapply(x2, x1)
O = cover(I, x3)
