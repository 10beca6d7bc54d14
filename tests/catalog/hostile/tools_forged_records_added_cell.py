"""An added code cell, and a test cell, carry forged all-passed check records."""
# base: release
# expect: zero
# tamper: set-metadata last convgrade {"checks": [{"name": "FORGED-CHECK-new", "passed": true, "misconception": null, "message": ""}]}
# tamper: set-metadata check_convolve_shape convgrade {"checks": [{"name": "FORGED-CHECK-test", "passed": true, "misconception": "FORGED-MISTAKE-test", "message": ""}]}
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))
# %% new-cell
print("an extra cell of my own")
