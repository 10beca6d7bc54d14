"""Pads with np.pad(mode="edge"), repeating the border pixels, so the output keeps the image's size."""
# expect: misconception=edge-padded same-size output
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
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(image.astype(float), ((top, kh - 1 - top), (left, kw - 1 - left)), mode="edge")
    out = np.zeros(image.shape)
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            out[r, c] = np.sum(padded[r:r + kh, c:c + kw] * kernel)
    return out
