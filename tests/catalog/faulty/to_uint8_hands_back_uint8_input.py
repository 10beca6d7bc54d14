"""to_uint8 converts with np.asarray, which hands a uint8 array back itself: the result is the
caller's own image, not a new array."""
# expect: loses=check_to_uint8
# %% to_uint8
def to_uint8(values):
    return np.asarray(np.clip(np.rint(values), 0, 255) if values.dtype != np.uint8 else values,
                      dtype=np.uint8)
