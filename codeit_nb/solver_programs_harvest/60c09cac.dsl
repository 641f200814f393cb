O = upscale(I, RED)
