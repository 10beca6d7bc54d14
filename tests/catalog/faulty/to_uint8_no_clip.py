"""Rounds with np.rint but never clips: 300 wraps around to 44 and -20 to 236."""
# expect: misconception=wrapped instead of clipped
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    return np.rint(values).astype(np.uint8)
