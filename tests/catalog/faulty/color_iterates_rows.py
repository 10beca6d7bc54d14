"""Loops `for channel in image`, which walks the rows, not the channels (a channels-first habit)."""
# expect: misconception=channels mixed up
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    return np.stack([convolve(channel, kernel) for channel in image], axis=2)
