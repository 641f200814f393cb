x1 = ofcolor(I, YELLOW)
x2 = subgrid(x1, I)
O = upscale(x2, TWO)
