x1 = rot90(I)
x2 = panels(x1)
O = argmax(x2, numcolors)
