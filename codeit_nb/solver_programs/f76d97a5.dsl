x1 = palette(I)
x2 = other(x1, GRAY)
x3 = replace(I, x2, BLACK)
O = replace(x3, GRAY, x2)
