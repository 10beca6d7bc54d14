"""sliding_window_view through the np.lib path, then np.tensordot over the two window axes.

Also a convolve_color built with np.dstack.
"""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    image = image.astype(np.float64)
    kernel = kernel.astype(np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    result = np.tensordot(windows, kernel, axes=([2, 3], [0, 1]))
    return result
# %% convolve_color
def convolve_color(image, kernel):
    return np.dstack([convolve(image[..., c], kernel) for c in range(image.shape[-1])])
