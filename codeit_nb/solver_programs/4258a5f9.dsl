x1 = ofcolor(I, GRAY)
x2 = mapply(neighbors, x1)
O = underfill(I, BLUE, x2)
