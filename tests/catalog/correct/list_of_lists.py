"""Builds a Python list of rows, each a list of sums, then converts with np.array(..., dtype=float)."""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    rows = []
    n_rows = len(image) - len(kernel) + 1
    n_cols = len(image[0]) - len(kernel[0]) + 1
    for i in range(n_rows):
        row = []
        for j in range(n_cols):
            patch = image[i:i + len(kernel), j:j + len(kernel[0])].astype(float)
            row.append(float(np.sum(patch * kernel)))
        rows.append(row)
    return np.array(rows, dtype=float)
