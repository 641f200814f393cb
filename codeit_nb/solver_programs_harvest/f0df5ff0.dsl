x1 = ofcolor(I, BLUE)
x2 = mapply(neighbors, x1)
x3 = underfill(I, BLUE, x2)
O = underfill(x3, BLUE, x1)
