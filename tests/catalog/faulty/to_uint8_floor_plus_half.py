"""Rounds with np.floor(x + 0.5), the school rule: halves go up instead of to the even integer."""
# expect: misconception=rounding half away from zero
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    rounded = np.floor(values + 0.5)
    return np.clip(rounded, 0, 255).astype(np.uint8)
