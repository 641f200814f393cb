x1 = ofcolor(I, GRAY)
x2 = mapply(neighbors, x1)
x3 = combine(x1, x2)
O = fill(I, BLUE, x3)
