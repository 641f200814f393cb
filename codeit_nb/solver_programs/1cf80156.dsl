x1 = fgpartition(I)
x2 = first(x1)
O = subgrid(x2, I)
