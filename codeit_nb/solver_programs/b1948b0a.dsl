O = replace(I, MAGENTA, RED)
