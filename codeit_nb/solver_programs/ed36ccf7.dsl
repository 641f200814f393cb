O = rot270(I)
