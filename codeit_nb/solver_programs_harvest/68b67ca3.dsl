O = compress(I)
