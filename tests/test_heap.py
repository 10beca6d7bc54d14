"""Does the coordinator give large freed blocks back to the system (convgrade.batch.heap)?

The pattern that grew the coordinator in `make bench-500`: a large result arrives, something
small that outlives it is allocated after it, the result is freed. Each scenario runs in a
fresh interpreter, so glibc's allocator starts from its defaults, and reads what the allocator
still holds from glibc itself (mallinfo2), which the kernel's reclaiming of idle pages cannot
change, unlike the resident size.
"""

import os
import platform
import subprocess
import sys

import pytest
from support import REPO

from convgrade.batch import scheduler

SCENARIO = """
import ctypes, sys
from convgrade.batch.heap import return_large_blocks

class MallInfo2(ctypes.Structure):  # glibc's struct mallinfo2, all size_t
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2

if sys.argv[1] == "fixed":
    assert return_large_blocks()
# Fill the holes that starting up left in the heap first (free space below its top): a row
# placed in one of them, not after its result, would let the freed results go back by luck
# of the layout. Largest pieces first, each size until what it fits into is used up.
holes = []
def below_top():
    info = mallinfo2()
    return info.fordblks - info.keepcost
for size in (1 << 20, 1 << 16, 1 << 12, 1000):
    for _ in range(100_000):
        before = below_top()
        holes.append(b"h" * size)
        if below_top() >= before:  # taken from the top: no hole of this size is left
            break
warm_up = bytes({warm_up}); del warm_up  # glibc raises its mmap threshold past this block
results, rows = [], []
for i in range({count}):
    results.append(b"r" * {result_bytes})  # a graded notebook with its pictures
    rows.append(b"s" * 1000 + bytes([i]))  # a report row, made after it and kept
del results
# Free memory the allocator keeps in its heap instead of giving it back: the allocator's
# own count, so the kernel reclaiming idle pages cannot change it.
print(mallinfo2().fordblks / 2**20)
"""


def kept_mib(mode, warm_up=4 << 20, count=20, result_bytes=2 << 20):
    """MiB the allocator still holds after the results are freed, in a fresh process."""
    code = SCENARIO.format(warm_up=warm_up, count=count, result_bytes=result_bytes)
    # glibc's defaults: any MALLOC_* setting in the environment (distributed sets
    # MALLOC_TRIM_THRESHOLD_ when it starts a local cluster) stops the threshold moving.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    done = subprocess.run(
        [sys.executable, "-c", code, mode], capture_output=True, text=True, cwd=REPO, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator")
@pytest.mark.parametrize(
    "warm_up, count, result_bytes",
    [
        (4 << 20, 20, 2 << 20),
        (2 << 20, 40, 1 << 20),
        (8 << 20, 10, 5 << 20),
        (300_000, 60, 200_000),
    ],
)
def test_freed_results_go_back_to_the_system(warm_up, count, result_bytes):
    held = count * result_bytes / 2**20
    bound = max(2.0, held / 10)
    # Without the setting the allocator keeps freed results (how many depends on where
    # its holes happen to be): the scenario shows the problem ...
    assert kept_mib("default", warm_up, count, result_bytes) > bound
    # ... and with it, they are given back when freed.
    assert kept_mib("fixed", warm_up, count, result_bytes) < bound


def test_grading_a_class_sets_it_first(monkeypatch, tmp_path):
    class Called(Exception):
        pass

    def called():
        raise Called

    monkeypatch.setattr(scheduler, "return_large_blocks", called)
    with pytest.raises(Called):  # before any worker starts or any file is read
        scheduler.grade_class(tmp_path / "no-course", progress=False)


SETTLING = """
import gc, json, weakref
from convgrade.batch.heap import YOUNG_PASS_THRESHOLD, settle_long_lived_objects

class Node:
    pass

def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)

kept = [Node() for _ in range(50_000)]  # what lives as long as the process
garbage_before = cycle()  # unreachable already, but only a collection frees a cycle
settle_long_lived_objects()
frozen = gc.get_freeze_count()
garbage_after = cycle()
gc.collect()
# Alive at one settling, garbage by the next (a Dask worker's grader of a past run).
a, b = Node(), Node()
a.other, b.other = b, a
settle_long_lived_objects()
outlived = weakref.ref(a)
del a, b
settle_long_lived_objects()
print(json.dumps({
    "before_freed": garbage_before() is None,
    "after_freed": garbage_after() is None,
    "outlived_freed": outlived() is None,
    "frozen": frozen,
    "threshold": gc.get_threshold()[0] == YOUNG_PASS_THRESHOLD,
}))
"""


def test_settling_freezes_what_lives_and_still_frees_garbage():
    """What is alive is frozen; garbage of before is freed first (frozen, it would never be);
    garbage made afterwards is still collected, and so, by the next settling, is what an
    earlier one froze."""
    import json

    result = subprocess.run(
        [sys.executable, "-c", SETTLING], capture_output=True, text=True, cwd=REPO, check=True
    )
    seen = json.loads(result.stdout)
    assert seen["before_freed"] and seen["after_freed"] and seen["threshold"], seen
    assert seen["outlived_freed"], "what a past settling froze stays for good"
    assert seen["frozen"] >= 50_000
