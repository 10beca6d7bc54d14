"""A correct notebook that also hunts the filesystem for any copy of the course (the
reference answers, the hidden cases, a gradebook, the course's configuration) and prints
what it could read. There must be none to find; the answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: no copy of the course in \d+ folders
# escaped: COURSE-COPY-FOUND
# %% convolve after-answer
import os
import time

_WANTED = ("reference.py", "cases.npz", "gradebook.db", "nbgrader_config.py")
_found, _folders = [], 0
_started = time.monotonic()
for _top in ["/work", "/home", "/root", "/srv", "/opt", "/tmp", "/"]:
    for _folder, _dirs, _files in os.walk(_top):
        if _folder in ("/proc", "/sys", "/dev") or time.monotonic() - _started > 3:
            _dirs.clear()
            continue
        _folders += 1
        for _name in set(_WANTED) & set(_files):
            try:
                with open(os.path.join(_folder, _name), "rb") as _file:
                    _data = _file.read(16 << 20)
            except OSError:
                continue
            # This course's files, not a library's namesakes.
            if b"convolve" in _data or b"HiddenChecks" in _data or "hidden" in _folder:
                _found.append(os.path.join(_folder, _name))
if _found:
    print("COURSE-COPY-FOUND", sorted(set(_found))[:20])
else:
    print(f"no copy of the course in {_folders} folders")
