x1 = switch(I, GREEN, YELLOW)
x2 = switch(x1, BLUE, GRAY)
x3 = switch(x2, RED, MAGENTA)
O = switch(x3, CYAN, MAROON)
