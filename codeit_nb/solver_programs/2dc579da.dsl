x1 = panels(I)
O = argmax(x1, numcolors)
