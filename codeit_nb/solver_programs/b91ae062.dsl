x1 = numcolors(I)
x2 = decrement(x1)
O = upscale(I, x2)
