"""Clips to 0..256 instead of 0..255 (an off-by-one): values that round to 256 wrap to 0."""
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    return np.clip(np.rint(values), 0, 256).astype(np.uint8)
