x1 = ofcolor(I, BLUE)
x2 = shift(x1, TWO_BY_ZERO)
x3 = fill(I, BLACK, x1)
O = fill(x3, BLUE, x2)
