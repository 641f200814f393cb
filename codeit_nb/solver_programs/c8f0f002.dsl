O = replace(I, ORANGE, GRAY)
