"""convolve loops forever and swallows every KeyboardInterrupt, so interrupting fails.
The instructor's convolve_color keeps its points: its checks pass with the grader's convolve
in place of the hanging one (the knock-on rule), and the hang is stopped once."""
# attack: resources
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
