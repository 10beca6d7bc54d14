"""convolve_color normalises a float kernel in place (kernel /= total), convolves and scales back:
right values, but the caller's kernel is changed."""
# expect: misconception=input modified
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    kernel = np.asarray(kernel, dtype=float)   # no copy for a float64 kernel
    total = kernel.sum() if kernel.sum() != 0 else 1.0
    kernel /= total
    channels = [convolve(image[:, :, c], kernel) * total for c in range(image.shape[2])]
    return np.stack(channels, axis=2)
