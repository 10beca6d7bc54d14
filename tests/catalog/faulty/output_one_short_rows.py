"""Gets the column count right but forgets the + 1 for the rows, building the result row by row with lists."""
# expect: misconception=output one short
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    rows = []
    for r in range(image.shape[0] - kh):
        row = []
        for c in range(image.shape[1] - kw + 1):
            row.append(float(np.sum(image[r:r + kh, c:c + kw] * kernel)))
        rows.append(row)
    return np.array(rows, dtype=float)
