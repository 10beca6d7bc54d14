"""Right colour code that passes convolve's optional third argument (a dtype), on a convolve that flips the kernel: the colour checks pass with "fix convolve first"."""
# expect: misconception=flipped kernel
# expect: misconception=fix convolve first
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(image, kernel, dtype=np.float64):
    flipped = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=dtype)
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(image[row:row + kh, col:col + kw] * flipped)
    return result
# %% convolve_color
def convolve_color(image, kernel):
    return np.stack([convolve(image[:, :, c], kernel, np.float64)
                     for c in range(image.shape[2])], axis=2)
