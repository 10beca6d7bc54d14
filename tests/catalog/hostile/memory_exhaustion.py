"""convolve keeps allocating until memory runs out."""
# base: release
# expect: zero
# %% convolve
def convolve(image, kernel):
    hoard = []
    while True:
        hoard.append(np.ones((4096, 4096)))
