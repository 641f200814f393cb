O = upscale(I, TWO)
