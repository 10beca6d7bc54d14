"""Pads only below and to the right with np.pad(mode="symmetric") so output[0, 0] is the window at the image's corner and the output keeps the image's size."""
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
    padded = np.pad(image, ((0, kh - 1), (0, kw - 1)), mode="symmetric")
    out = np.zeros(image.shape)
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            total = 0.0
            for i in range(kh):
                for j in range(kw):
                    total += float(padded[r + i, c + j]) * kernel[i, j]
            out[r, c] = total
    return out
