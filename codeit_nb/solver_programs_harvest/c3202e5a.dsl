x1 = panels(I)
O = argmin(x1, numcolors)
