"""Pads zeros only below and to the right, so every pixel starts a window and the output keeps the image's size."""
# expect: misconception=zero-padded same-size output
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
    H, W = image.shape
    padded = np.zeros((H + kh - 1, W + kw - 1))
    padded[:H, :W] = image
    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in range(W)] for r in range(H)])
