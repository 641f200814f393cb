x1 = objects(I, TRUE, FALSE, TRUE)
x2 = fork(difference, backdrop, box)
x3 = mapply(x2, x1)
O = fill(I, CYAN, x3)
