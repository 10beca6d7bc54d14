"""Converts with astype(int) first (truncating), then clips and converts to uint8."""
# expect: misconception=truncated instead of rounded
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    whole = values.astype(int)
    return np.clip(whole, 0, 255).astype(np.uint8)
