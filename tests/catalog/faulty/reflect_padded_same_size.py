"""Mirrors the image at its edges with np.pad(mode="reflect") to keep its size, walking the positions with while loops."""
# expect: misconception=mirror-padded same-size output
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image.astype(float), ((kh // 2, kh // 2), (kw // 2, kw // 2)), mode="reflect")
    out = np.zeros(image.shape)
    r = 0
    while r < image.shape[0]:
        c = 0
        while c < image.shape[1]:
            out[r, c] = (padded[r:r + kh, c:c + kw] * kernel).sum()
            c += 1
        r += 1
    return out
