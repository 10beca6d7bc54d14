"""Takes neighbour indices modulo the image size so windows at the edge wrap around to the other side: circular padding, same-size output."""
# expect: misconception=circular-padded same-size output
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
    out = np.zeros((H, W))
    for r in range(H):
        for c in range(W):
            s = 0.0
            for i in range(kh):
                for j in range(kw):
                    s += image[(r + i - kh // 2) % H, (c + j - kw // 2) % W] * kernel[i, j]
            out[r, c] = s
    return out
