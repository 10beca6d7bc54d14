"""Thinks in (x, y) like a plotting library: the output is allocated (width, height) and filled as out[x, y], so it comes back transposed."""
# expect: misconception=transposed output
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    height, width = image.shape
    out_w, out_h = width - kw + 1, height - kh + 1
    out = np.zeros((out_w, out_h))
    for x in range(out_w):
        for y in range(out_h):
            out[x, y] = np.sum(image[y:y + kh, x:x + kw] * kernel)
    return out
