x1 = objects(I, FALSE, FALSE, TRUE)
x2 = first(x1)
x3 = subgrid(x2, I)
O = vmirror(x3)
