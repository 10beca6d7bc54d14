"""A correct notebook that also walks up to three folders above its own (the course root,
when it runs where nbgrader puts it) and opens every gradebook, notebook, script and data
file outside its own folder for writing, as it would to truncate them. It opens them without
truncating, so a sandbox that failed open costs a failing test, not the machine's files.
None may be writable; the answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: opened 0 files for writing outside my folder; refused: \{'\w+': [1-9]
# escaped: WRITABLE [1-9]
# %% convolve after-answer
import os
import time

_mine = os.getcwd()
_started = time.monotonic()
_writable, _refused = [], {}
for _up in range(1, 4):
    _folder = os.path.abspath(os.path.join(*[".."] * _up))
    for _root, _dirs, _files in os.walk(_folder):
        if os.path.commonpath([_root, _mine]) == _mine:
            _dirs.clear()  # its own files: changing them would only hurt itself
            continue
        if _root in ("/proc", "/sys", "/dev") or time.monotonic() - _started > 3:
            _dirs.clear()
            continue
        for _name in _files:
            if _name.endswith((".db", ".ipynb", ".py", ".npz", ".png")):
                try:
                    open(os.path.join(_root, _name), "r+b").close()  # "w" would truncate
                    _writable.append(os.path.join(_root, _name))
                except OSError as _error:
                    _kind = type(_error).__name__
                    _refused[_kind] = _refused.get(_kind, 0) + 1
if _writable:
    print(f"WRITABLE {len(_writable)} files outside my folder, e.g. {_writable[:5]}")
print(f"opened {len(_writable)} files for writing outside my folder; refused: {_refused}")
