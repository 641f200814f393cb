x1 = tophalf(I)
x2 = bottomhalf(I)
x3 = asobject(x2)
O = underpaint(x1, x3)
