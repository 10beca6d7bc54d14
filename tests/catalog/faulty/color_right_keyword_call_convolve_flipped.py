"""Right colour code that calls convolve by keyword, with the student's own parameter names (img=, k=), on a convolve that flips the kernel: only the convolve checks lose; the colour checks pass with "fix convolve first"."""
# expect: misconception=flipped kernel
# expect: misconception=fix convolve first
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(img, k):
    flipped = k[::-1, ::-1]
    kh, kw = k.shape
    result = np.zeros((img.shape[0] - kh + 1, img.shape[1] - kw + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(img[row:row + kh, col:col + kw] * flipped)
    return result
# %% convolve_color
def convolve_color(image, kernel):
    return np.stack([convolve(img=image[:, :, c], k=kernel) for c in range(image.shape[2])], axis=2)
