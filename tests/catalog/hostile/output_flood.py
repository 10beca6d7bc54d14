"""A correct notebook whose answer cell also prints 200 MB to stdout and 200 MB straight to
fd 2: the outputs are cut down with the grader's note, and the answers keep every point."""
# attack: resources
# expect: full-marks
# blocked: \[output truncated: this cell printed more than \d+ kB\]
# %% convolve after-answer
import os

_line = "x" * 10_000
for _ in range(20_000):
    print(_line)
    os.write(2, _line.encode())
