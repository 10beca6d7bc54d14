"""Clips to 0..255, then astype(np.uint8) without rounding: 0.6 becomes 0, 254.6 becomes 254."""
# expect: misconception=truncated instead of rounded
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    return np.clip(values, 0, 255).astype(np.uint8)
