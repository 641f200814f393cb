O = hmirror(I)
