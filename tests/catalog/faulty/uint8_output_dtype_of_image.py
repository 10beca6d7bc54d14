"""Creates the output with np.empty(..., dtype=image.dtype) to 'keep the image type', so uint8 sums wrap and int images lose fractions."""
# expect: misconception=uint8 wrap-around
# expect: misconception=truncated to integers
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    result = np.empty((oh, ow), dtype=image.dtype)
    for r in range(oh):
        for c in range(ow):
            result[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return result
