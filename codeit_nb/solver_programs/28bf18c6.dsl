x1 = leastcolor(I)
x2 = ofcolor(I, x1)
x3 = subgrid(x2, I)
O = hconcat(x3, x3)
