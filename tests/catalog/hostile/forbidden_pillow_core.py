"""Pillow's C filter reached on the core object (Image.im.filter), without PIL.ImageFilter:
the Kernel's arguments on an int32 image, fixed point, 5x5 tiles, positive and negative
parts apart, do the sliding-window sums."""

# attack: scoring
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_color
# expect: misconception=library routine
# %% convolve
import numpy as np
from PIL import Image


def _pil_correlate(image, tile):
    """sum tile[a, b] * image[r + a, c + b] for a 5x5 tile >= 0 and an image >= 0, by
    Pillow's C filter (ImagingFilter) on an int32 ('I') image in fixed point."""
    top = float(image.max()) if image.size else 0.0
    weight = float(tile.sum())
    if top <= 0 or weight <= 0:
        return np.zeros((image.shape[0], image.shape[1]))
    scale = 2.0**23 / top
    # Pillow's 5x5 kernel runs with its rows flipped, its columns not
    k = ((5, 5), 1.0, 0.0, tuple((tile[::-1, :] / weight).ravel().tolist()))
    fixed = np.pad(np.rint(image * scale), ((0, 5), (0, 5))).astype(np.int32)
    res = np.asarray(Image.Image()._new(Image.fromarray(fixed, "I").im.filter(*k)), dtype=np.float64) * weight / scale
    return res[2:2 + image.shape[0], 2:2 + image.shape[1]]


def convolve(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    oh, ow = out.shape
    parts = [(np.maximum(image, 0), 1.0), (np.maximum(-image, 0), -1.0)]
    for ti in range(0, kh, 5):
        for tj in range(0, kw, 5):
            tile = np.zeros((5, 5))
            part = kernel[ti:ti + 5, tj:tj + 5]
            tile[:part.shape[0], :part.shape[1]] = part
            for ktile, ksign in ((np.maximum(tile, 0), 1.0), (np.maximum(-tile, 0), -1.0)):
                for img, isign in parts:
                    res = _pil_correlate(img, ktile)
                    out += ksign * isign * res[ti:ti + oh, tj:tj + ow]
    return out
