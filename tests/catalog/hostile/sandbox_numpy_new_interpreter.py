"""Runs the convolution in a fresh Python started from convolve: a new interpreter has
numpy's np.convolve without the grader's block. Each output row is a sum of 1-D library
convolutions of rows, computed by that child process."""

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
import io
import subprocess
import sys

import numpy as np

def convolve(image, kernel):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    code = (
        "import io, sys\nimport numpy as np\n"
        "data = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)\n"
        f"image, kernel = data[:{image.size}].reshape({image.shape}), "
        f"data[{image.size}:].reshape({kernel.shape})\n"
        "out = np.array([sum(np.convolve(image[r + i], kernel[i][::-1], 'valid') "
        f"for i in range({kh})) for r in range({rows})])\n"
        "np.save(sys.stdout.buffer, out)\n"
    )
    buffer = io.BytesIO()
    np.save(buffer, np.concatenate([image.ravel(), kernel.ravel()]))
    done = subprocess.run(
        [sys.executable, "-c", code], input=buffer.getvalue(), capture_output=True, check=True
    )
    return np.load(io.BytesIO(done.stdout)).reshape(rows, cols)
