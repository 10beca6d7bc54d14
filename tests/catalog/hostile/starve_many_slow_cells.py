"""Twenty added cells that each sleep a while, under the cell timeout: without a budget per
notebook they hold a grading worker for minutes. The answers are right, so the budget
must cost no points."""
# attack: resources
# expect: full-marks
# %% new-cell-1
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-2
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-3
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-4
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-5
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-6
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-7
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-8
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-9
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-10
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-11
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-12
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-13
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-14
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-15
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-16
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-17
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-18
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-19
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load

# %% new-cell-20
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load
