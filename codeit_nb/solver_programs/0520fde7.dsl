x1 = lefthalf(I)
x2 = righthalf(I)
x3 = cellwise(x1, x2, BLACK)
O = replace(x3, BLUE, RED)
