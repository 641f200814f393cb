x1 = numcolors(I)
O = upscale(I, x1)
