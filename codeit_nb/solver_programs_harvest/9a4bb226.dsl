x1 = objects(I, FALSE, FALSE, TRUE)
x2 = argmax(x1, numcolors)
O = subgrid(x2, I)
