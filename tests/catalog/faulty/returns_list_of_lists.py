"""Builds the result as a Python list of lists and returns it without turning it into a numpy array."""
# expect: loses=check_convolve_dtype
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    result = []
    for r in range(image.shape[0] - kh + 1):
        row = []
        for c in range(image.shape[1] - kw + 1):
            row.append(float(np.sum(image[r:r + kh, c:c + kw] * kernel)))
        result.append(row)
    return result
