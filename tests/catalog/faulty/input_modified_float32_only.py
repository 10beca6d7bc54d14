"""Works in float32 and scales the image to 0..1 in place: np.asarray hands a float32 image back
without a copy, so only a float32 caller's image changes."""
# expect: misconception=input modified
# expect: loses=check_convolve_input_unchanged
# %% convolve
def convolve(image, kernel):
    img = np.asarray(image, dtype=np.float32)
    img /= 255.0
    kh, kw = kernel.shape
    out = np.zeros((img.shape[0] - kh + 1, img.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(img[r:r + kh, c:c + kw] * kernel)
    return out * 255.0
