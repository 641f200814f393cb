x1 = fgpartition(I)
x2 = argmin(x1, height)
x3 = toindices(x2)
O = subgrid(x3, I)
