"""convolve loops forever and swallows every KeyboardInterrupt, so interrupting fails."""
# base: release
# expect: zero
# %% convolve
def convolve(image, kernel):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
