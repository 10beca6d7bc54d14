"""Right colour code that convolves each transposed channel with the transposed kernel and transposes back, on a convolve that flips the kernel: the colour checks pass with "fix convolve first"."""
# expect: misconception=flipped kernel
# expect: misconception=fix convolve first
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(image, kernel):
    flipped = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(image[row:row + kh, col:col + kw] * flipped)
    return result
# %% convolve_color
def convolve_color(image, kernel):
    return np.stack([convolve(channel, kernel.T).T for channel in image.T], axis=-1)
