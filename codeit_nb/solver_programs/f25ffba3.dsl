x1 = bottomhalf(I)
x2 = hmirror(x1)
O = vconcat(x2, x1)
