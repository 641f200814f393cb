x1 = fgpartition(I)
x2 = mapply(box, x1)
O = underfill(I, BLUE, x2)
