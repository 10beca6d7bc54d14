"""Unpacks kernel.shape as (width, height), the way image sizes are often written, so the loops use the kernel's width for rows."""
# expect: misconception=kernel rows and columns swapped
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    image_height, image_width = image.shape
    kernel_width, kernel_height = kernel.shape
    out = np.zeros((image_height - kernel_height + 1, image_width - kernel_width + 1))
    for y in range(image_height - kernel_height + 1):
        for x in range(image_width - kernel_width + 1):
            window = image[y:y + kernel_height, x:x + kernel_width]
            out[y, x] = np.sum(window * kernel)
    return out
