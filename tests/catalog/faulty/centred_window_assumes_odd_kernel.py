"""Loops over window centres with half = k // 2 and slices [y - half, y + half + 1], which only works for odd kernel sizes."""
# expect: misconception=kernel assumed odd-sized
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    hh, hw = kh // 2, kw // 2
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for y in range(hh, H - hh):
        for x in range(hw, W - hw):
            window = image[y - hh:y + hh + 1, x - hw:x + hw + 1]
            out[y - hh, x - hw] = np.sum(window * kernel)
    return out
