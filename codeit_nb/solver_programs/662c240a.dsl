x1 = vsplit(I, THREE)
x2 = fork(equals, identity, dmirror)
x3 = negation(x2)
O = extract(x1, x3)
