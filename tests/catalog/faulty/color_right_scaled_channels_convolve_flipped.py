"""Right colour code that divides each channel by 255, convolves and multiplies back, on a convolve that flips the kernel: the colour checks pass with "fix convolve first"."""
# expect: misconception=flipped kernel
# expect: misconception=fix convolve first
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(image, kernel):
    kernel = np.asarray(kernel, dtype=float)
    flipped = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(image[row:row + kh, col:col + kw] * flipped)
    return result
# %% convolve_color
def convolve_color(image, kernel):
    kernel = kernel / 1.0
    out = None
    for c in range(image.shape[2]):
        channel_result = convolve(image[..., c] / 255.0, kernel) * 255.0
        if out is None:
            out = np.zeros(channel_result.shape + (image.shape[2],))
        out[..., c] = channel_result
    return out
