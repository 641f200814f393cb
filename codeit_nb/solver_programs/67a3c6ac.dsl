O = vmirror(I)
