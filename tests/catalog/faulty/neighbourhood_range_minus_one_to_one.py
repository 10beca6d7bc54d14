"""Visits each window's centre and its neighbours with range(-half, half), range(-1, 1) for a 3 x 3 kernel: the kernel's last row and column are left out."""
# expect: misconception=kernel loop one short
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    hh, hw = kh // 2, kw // 2
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for y in range(hh, hh + H - kh + 1):
        for x in range(hw, hw + W - kw + 1):
            acc = 0.0
            for dy in range(-hh, hh):
                for dx in range(-hw, hw):
                    acc += image[y + dy, x + dx] * kernel[dy + hh, dx + hw]
            out[y - hh, x - hw] = acc
    return out
