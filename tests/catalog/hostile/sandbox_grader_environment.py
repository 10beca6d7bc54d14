"""A correct notebook that also reads its own environment and every process environment it
can see, hunting for the grader's tokens; the hostile test plants CONVGRADE_TEST_TOKEN in the
grader's environment. It must see none; the answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: no grader token in my environment or in \d+ other process environments
# escaped: GRADER-TOKEN-SEEN
# %% convolve after-answer
import glob
import os

_seen = ["my environment"] if "CONVGRADE_TEST_TOKEN" in os.environ else []
_others = [p for p in glob.glob("/proc/*/environ") if not p.startswith("/proc/self/")]
for _path in _others:
    try:
        with open(_path, "rb") as _file:
            if b"CONVGRADE_TEST_TOKEN" in _file.read():
                _seen.append(_path)
    except OSError:
        pass
print("my environment has:", sorted(os.environ))
if _seen:
    print("GRADER-TOKEN-SEEN in", _seen)
else:
    print(f"no grader token in my environment or in {len(_others)} other process environments")
