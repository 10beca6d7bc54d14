"""Keep a long-lived grading process's memory flat: large buffers go back to the system.

Every finished submission reaches the coordinator as one pickled result (the graded notebook,
the feedback page: about 1 MB each), unpickled in one thread and freed in another. glibc
serves blocks of 128 KiB or more with mmap and returns them on free, but it raises that
threshold to the size of the largest such block once one is freed. From then on, each
result lands in the ordinary heap, small objects settle between the holes it leaves, and
the heap is never given back: in `make bench-500` the coordinator grew by about 0.15 MiB per
submission, with Python's own objects flat (tracemalloc). Fixing the threshold keeps it
from moving (glibc's mallopt(3), M_MMAP_THRESHOLD).
"""

import ctypes

# glibc's <malloc.h>; mallopt() returns 1 on success.
M_MMAP_THRESHOLD = -3
# glibc's own default: a block this size or larger is mapped on its own.
LARGE_BLOCK_BYTES = 128 * 1024


def return_large_blocks():
    """Serve blocks of LARGE_BLOCK_BYTES or more from their own mappings for the rest of this
    process's life, so each goes back to the system when freed. Returns whether the C
    library took the setting: False, and harmless, on a C library other than glibc."""
    try:  # the C library's own symbols, without find_library's ldconfig subprocess
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt: not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES) == 1
