"""A correct notebook that also looks for the grader's files through /proc (other processes'
working folders and roots), the host's secrets and other users' files, and prints what it
could read. Nothing of the grader's may be readable; the answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: read none of \d+ places
# escaped: READ-HOST-FILE
# %% convolve after-answer
import glob
import os

_places = ["/etc/shadow", "/root/.bash_history", "/proc/1/environ"]
_places += [p for p in glob.glob("/proc/*/environ") if not p.startswith("/proc/self/")]
_places += glob.glob("/proc/*/cwd/../../../gradebook.db")
_places += glob.glob("/proc/*/cwd/../../../tests/hidden/**", recursive=True)
_places += glob.glob("/proc/*/root/work/*/convgrade/checks/reference.py")
_places += glob.glob("/proc/*/root/*/*/tests/hidden/data/*")
_places += glob.glob("/home/*/*") + glob.glob("/srv/*/*")
_read = []
for _path in _places:
    try:
        with open(_path, "rb") as _file:
            _data = _file.read(4096)
    except OSError as _error:
        print(f"{_path}: {type(_error).__name__}")
        continue
    if _path.startswith("/proc/") and _path.endswith("/environ"):
        if b"CONVGRADE_TEST_TOKEN" not in _data:  # the sandbox's own
            continue
    _read.append(_path)
if _read:
    print("READ-HOST-FILE", _read[:20])
else:
    print(f"read none of {len(_places)} places")
