x1 = vec(ZERO, SIX)
O = crop(I, x1, THREE_BY_THREE)
