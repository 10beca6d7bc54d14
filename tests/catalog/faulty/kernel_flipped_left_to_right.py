"""Reverses each kernel row with np.fliplr, as np.convolve reverses a 1-D kernel, so the columns run backwards."""
# expect: misconception=kernel flipped left to right
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(image, kernel):
    k = np.fliplr(kernel)
    kh, kw = k.shape
    H, W = image.shape
    result = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += image[i + a, j + b] * k[a, b]
            result[i, j] = total
    return result
