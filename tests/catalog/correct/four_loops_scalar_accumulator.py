"""Four nested loops with a plain Python float accumulator, the way a first course writes it."""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    height, width = image.shape
    kh, kw = kernel.shape
    out_h = height - kh + 1
    out_w = width - kw + 1
    output = np.zeros((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            total = 0.0
            for i in range(kh):
                for j in range(kw):
                    total += float(image[r + i, c + j]) * float(kernel[i, j])
            output[r, c] = total
    return output
