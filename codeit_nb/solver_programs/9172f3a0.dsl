O = upscale(I, THREE)
