x1 = hsplit(I, THREE)
O = first(x1)
