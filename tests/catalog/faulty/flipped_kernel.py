"""Flips the kernel before sliding it, as signal-processing textbooks define convolution."""
# expect: misconception=flipped kernel
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
