x1 = asindices(I)
x2 = box(x1)
O = fill(I, CYAN, x2)
