"""Rounds and clips in place with out=values, overwriting the caller's array."""
# expect: misconception=input modified
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    np.rint(values, out=values)
    np.clip(values, 0, 255, out=values)
    return values.astype(np.uint8)
