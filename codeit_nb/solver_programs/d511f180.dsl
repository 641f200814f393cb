O = switch(I, GRAY, CYAN)
