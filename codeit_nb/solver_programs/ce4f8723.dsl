x1 = tophalf(I)
x2 = bottomhalf(I)
O = cellwise(x1, x2, GREEN)
