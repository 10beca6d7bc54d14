"""Returns a 4000 x 4000 uint8 array for every hidden photo (16 MB, under the reply cap): the
grader must fail it by its shape, without converting, diagnosing or drawing it whole.
A zero-size array with enormous sides stands in for the kernels. convolve_color stacks
three such arrays (48 MB, over the reply cap), so its checks on colour photos fail as
called; judged again with the grader's convolve in place (the knock-on rule), the
instructor's colour code is right and they pass."""
# attack: resources
# expect: loses=check_convolve_photos
# expect: loses=check_kernels
# %% convolve
import numpy as np


def convolve(image, kernel):
    # Only on photos the size of the hidden ones (the released photos are bigger), so the
    # notebook's own gallery stays quick and no time budget decides anything here.
    if 1000 < image.size < 5000:
        return np.full((4000, 4000), 7, dtype=np.uint8)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * image[i : i + out.shape[0], j : j + out.shape[1]]
    return out


# %% kernels
import numpy as np

EDGE_DETECTION = np.zeros((0, 2**20, 2**20, 2**15))
SHARPEN = np.zeros((0, 2**20, 2**20, 2**15))
BOX_BLUR = np.zeros((0, 2**20, 2**20, 2**15))
