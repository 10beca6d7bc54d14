"""Wrong convolve, and rewrites a test cell to print that everything passed."""
# base: release
# expect: zero
# tamper: edit-source check_convolve_small_values print("all passed")\n2.0
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))
