x1 = palette(I)
x2 = remove(BLACK, x1)
x3 = size(x2)
O = upscale(I, x3)
