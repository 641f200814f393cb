x1 = objects(I, FALSE, FALSE, TRUE)
x2 = rbind(colorcount, BLUE)
x3 = argmax(x1, x2)
O = subgrid(x3, I)
