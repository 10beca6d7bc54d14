"""A correct notebook whose answer cell also prints 20 MB to stdout and 20 MB straight to
fd 2, far past the output caps (1 MB a cell, 8 MB a notebook): the outputs are cut down
with the grader's note, and the answers keep every point."""
# attack: resources
# expect: full-marks
# blocked: \[output truncated: this cell printed more than \d+ kB\]
# %% convolve after-answer
import os

_line = "x" * 10_000
for _ in range(2_000):
    print(_line)
    os.write(2, _line.encode())
