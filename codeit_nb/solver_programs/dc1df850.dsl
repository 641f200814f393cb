x1 = ofcolor(I, RED)
x2 = mapply(neighbors, x1)
O = underfill(I, BLUE, x2)
