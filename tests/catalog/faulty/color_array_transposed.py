"""Builds np.array(channels), shape (C, H', W'), then uses .T to put channels last.

.T reverses every axis, so the result is (W', H', C): each channel comes back transposed.
"""
# expect: misconception=transposed output
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    channels = []
    for c in range(image.shape[2]):
        channels.append(convolve(image[:, :, c], kernel))
    return np.array(channels).T
