"""Calls scipy.signal.correlate2d(image, kernel, mode='valid'), which gives the right numbers but skips the loops the assignment asks for."""
# expect: misconception=library routine
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    from scipy import signal
    return signal.correlate2d(image.astype(float), kernel, mode="valid")
