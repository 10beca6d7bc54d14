"""Keeps the image's size by clamping each neighbour's index to the image, min(max(i, 0), H - 1): the same as repeating the edge pixels."""
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
    H, W = image.shape
    return np.array([
        [
            sum(
                image[min(max(r + i - (kh - 1) // 2, 0), H - 1), min(max(c + j - (kw - 1) // 2, 0), W - 1)]
                * kernel[i, j]
                for i in range(kh)
                for j in range(kw)
            )
            for c in range(W)
        ]
        for r in range(H)
    ], dtype=float)
