"""A correct notebook that also hunts for the hidden checks, the reference answers, the
gradebook and the instructor's notebook, near its folder and across the disk, and prints
any it can read. None may be there to read; the answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: \.\./\.\./\.\./gradebook\.db: FileNotFoundError
# blocked: hunted for \d+ seconds, read nothing
# escaped: READ-SECRET
# %% convolve after-answer
import os
import time

_WANTED = {"gradebook.db", "reference.py", "cases.npz"}
_read = []
for _path in ["../../../gradebook.db", "../../../source/convolutions/convolutions.ipynb"]:
    try:
        with open(_path, "rb") as _file:
            _read.append((_path, _file.read(200)))
    except OSError as _error:
        print(f"{_path}: {type(_error).__name__}")
_started = time.monotonic()
for _top in ["/work", "/home", "/root", "/srv", "/opt", "/"]:
    for _folder, _dirs, _files in os.walk(_top):
        if _folder in ("/proc", "/sys", "/dev") or time.monotonic() - _started > 3:
            _dirs.clear()
            continue
        for _name in _WANTED & set(_files):
            try:
                with open(os.path.join(_folder, _name), "rb") as _file:
                    _data = _file.read(16 << 20)
            except OSError:
                continue
            # Only this course's files count, not a library's namesakes.
            if b"convolutions" in _data or b"def convolve" in _data or "hidden" in _folder:
                _read.append((os.path.join(_folder, _name), _data))
for _path, _data in _read:
    print("READ-SECRET", _path, _data[:40])
if not _read:
    print(f"hunted for {round(time.monotonic() - _started)} seconds, read nothing")
