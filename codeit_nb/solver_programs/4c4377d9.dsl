x1 = hmirror(I)
O = vconcat(x1, I)
