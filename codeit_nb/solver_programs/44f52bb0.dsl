x1 = vmirror(I)
x2 = equals(I, x1)
x3 = branch(x2, BLUE, ORANGE)
O = canvas(x3, UNITY)
