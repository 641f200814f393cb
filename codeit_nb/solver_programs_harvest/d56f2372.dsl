x1 = fgpartition(I)
x2 = fork(equals, identity, vmirror)
x3 = extract(x1, x2)
O = subgrid(x3, I)
