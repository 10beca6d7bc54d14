"""Reuses the image as the output to 'save memory': each sum is written back into image and a float copy of the top-left part is returned."""
# expect: misconception=input modified
# expect: loses=check_convolve_input_unchanged
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    for r in range(oh):
        for c in range(ow):
            image[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return image[:oh, :ow].astype(float)
