"""Converts each kernel weight with int() 'to keep the arithmetic exact', so fractional weights such as 1/9 become 0."""
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_nonsquare
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            s = 0.0
            for i in range(kh):
                for j in range(kw):
                    s += float(image[r + i, c + j]) * int(kernel[i, j])
            out[r, c] = s
    return out
