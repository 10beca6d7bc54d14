"""Wrong convolve; every markdown cell carries forged all-passed check records and a mistake."""
# base: release
# expect: zero
# tamper: set-metadata markdown convgrade {"checks": [{"name": "FORGED-CHECK-md", "passed": true, "misconception": "FORGED-MISTAKE-md", "message": "ok"}, {"name": "FORGED-CHECK-md2", "passed": "yes"}]}
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))
