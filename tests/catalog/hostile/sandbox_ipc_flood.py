"""A correct notebook that also writes up to 800 MiB into its kernel's connection folder and
the grader's socket folders, and moves its kernel's sockets aside: the size cap must stop the
writes. It cleans up after itself (its own kernel must keep running), and the answers keep
every point."""
# attack: sandbox
# expect: full-marks
# blocked: : stopped at \d+ MiB: OSError: \[Errno 28\] No space left on device
# escaped: FLOODED
# %% convolve after-answer
import glob
import os
import sys

_folders = [os.path.dirname(a) for a in sys.argv if a.endswith(".json")]
_folders += ["/tmp/convgrade/ipc", "/tmp/convgrade/input"] + glob.glob("/tmp/convgrade-*")
_written = []
for _folder in dict.fromkeys(_folders):
    _before = len(_written)
    try:
        for _index in range(100):
            _path = os.path.join(_folder, f"flood-{_index}")
            _written.append(_path)
            with open(_path, "wb") as _file:
                _file.write(b"x" * (8 << 20))
        print(f"{_folder}: FLOODED 800 MiB")
    except OSError as _error:
        _mib = 8 * (len(_written) - _before - 1)
        print(f"{_folder}: stopped at {_mib} MiB: {type(_error).__name__}: {_error}")
for _path in _written:
    if os.path.exists(_path):
        os.remove(_path)
for _socket in glob.glob("/tmp/convgrade/ipc/kernel-*"):
    try:
        os.replace(_socket, _socket + ".moved")
        os.replace(_socket + ".moved", _socket)
        print(_socket, "moved and put back")
    except OSError as _error:
        print(_socket, _error)
