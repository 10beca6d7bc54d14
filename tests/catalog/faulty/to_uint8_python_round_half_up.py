"""Rounds each value with int(v + 0.5) in a loop, then clips: halves go up, not to even."""
# expect: misconception=rounding half away from zero
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    flat = []
    for v in np.ravel(values):
        n = int(v + 0.5)
        flat.append(min(max(n, 0), 255))
    return np.array(flat, dtype=np.uint8).reshape(np.shape(values))
