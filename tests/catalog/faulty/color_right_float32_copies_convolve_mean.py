"""Right colour code that converts the image and kernel to float32 first, on a convolve that averages instead of summing: the colour checks pass with "fix convolve first"."""
# expect: misconception=mean instead of sum
# expect: misconception=fix convolve first
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.mean(image[row:row + kh, col:col + kw] * kernel)
    return result
# %% convolve_color
def convolve_color(image, kernel):
    image = image.astype(np.float32)
    kernel = kernel.astype(np.float32)
    return np.stack([convolve(image[:, :, c], kernel) for c in range(image.shape[2])], axis=-1)
