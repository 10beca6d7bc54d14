"""Turns the kernel into Python numbers with kernel.tolist(); under NumPy 2 a uint8 pixel times a Python int stays uint8 and wraps (or overflows)."""
# expect: misconception=uint8 wrap-around
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    weights = kernel.tolist()
    kh, kw = len(weights), len(weights[0])
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            total = 0
            for i in range(kh):
                for j in range(kw):
                    total += image[r + i, c + j] * weights[i][j]
            out[r, c] = total
    return out
