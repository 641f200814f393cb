x1 = objects(I, TRUE, FALSE, TRUE)
x2 = argmax(x1, size)
x3 = color(x2)
O = canvas(x3, THREE_BY_THREE)
