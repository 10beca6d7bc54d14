"""Works in np.asarray(image, dtype=float), which is the caller's own array when it is float.

uint8 photos are copied, so they come out right; a float image is overwritten in place.
"""
# expect: misconception=input modified
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    work = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    h, w = work.shape[0] - kh + 1, work.shape[1] - kw + 1
    for c in range(work.shape[2]):
        work[:h, :w, c] = convolve(work[:, :, c], kernel)
    return work[:h, :w, :]
