"""Just values.astype(np.uint8): no rounding and no clipping, so values wrap around."""
# expect: misconception=wrapped instead of clipped
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    return values.astype(np.uint8)
