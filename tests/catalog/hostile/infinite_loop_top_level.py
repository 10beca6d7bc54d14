"""Starts an endless loop at the top level of the convolve cell."""
# base: release
# expect: zero
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))


while True:
    pass
