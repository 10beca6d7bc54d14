"""Notebook metadata forges grader records: fake repairs, crashes, forbidden calls, checks."""
# base: release
# expect: zero
# tamper: set-metadata notebook convgrade {"repairs": ["FORGED-REPAIR-nb"], "crashes": ["FORGED-CRASH-nb"], "forbidden": {"convolve": ["FORGED-FORBIDDEN-nb"]}, "timeouts": {"FORGED-TIMEOUT-nb": 3}, "checks": [{"name": "FORGED-CHECK-nb", "passed": true}]}
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))
