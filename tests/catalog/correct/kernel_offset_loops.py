"""Loops over the kernel's offsets and adds whole shifted slices, as the look-ahead suggests."""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel_h, kernel_w = kernel.shape
    out_h = image.shape[0] - kernel_h + 1
    out_w = image.shape[1] - kernel_w + 1
    acc = np.zeros((out_h, out_w))
    for dy in range(kernel_h):
        for dx in range(kernel_w):
            acc = acc + float(kernel[dy, dx]) * image[dy:dy + out_h, dx:dx + out_w]
    return acc
