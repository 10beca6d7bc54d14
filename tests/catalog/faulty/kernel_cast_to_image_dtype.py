"""Casts the kernel to the image's dtype 'so the types match': for uint8 images -1 becomes 255, 1/9 becomes 0 and the products wrap."""
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    kernel = kernel.astype(image.dtype)
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out
