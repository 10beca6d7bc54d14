"""Rounds and clips correctly but converts with astype(int): the result is int64, not uint8."""
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    return np.clip(np.rint(values), 0, 255).astype(int)
