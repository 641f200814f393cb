x1 = frontiers(I)
x2 = colorfilter(x1, BLACK)
x3 = merge(x2)
O = fill(I, RED, x3)
