"""Private temporary folders that do not outlive their process, even one that was killed.

A folder is named ``convgrade-<kind>-<pid>-<random>``. It is removed when the process
exits normally (or sooner, by its owner); a process killed with SIGKILL cannot clean up,
so ``remove_stale`` removes the folders of processes that no longer exist. The batch
grader calls it when its workers start and after they stopped, so a killed worker's copy
of the gradebook is gone by the time `convgrade grade` returns.
"""

import os
import re
import shutil
import tempfile
import weakref
from pathlib import Path

PREFIX = "convgrade-"
_NAME = re.compile(rf"^{PREFIX}[a-z]+-(\d+)-")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale(folder=None):
    """Remove this user's convgrade folders whose process has died; returns what was removed.

    Examples
    --------
    >>> remove_stale(tempfile.mkdtemp())
    []
    """
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        match = _NAME.match(path.name)
        try:
            mine = path.lstat().st_uid == os.getuid()
        except OSError:
            continue
        if match and mine and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class PrivateFolder:
    """A temporary folder of this process, removed by close(), by garbage collection or at exit.

    Parameters
    ----------
    kind : str
        A lowercase word for the folder's name, e.g. ``course``.
    parent : path, optional
        Where to make it; the system's temporary folder by default. A folder elsewhere is
        left to its parent's owner if this process is killed.

    Examples
    --------
    >>> folder = PrivateFolder("example")
    >>> folder.path.name.startswith(f"convgrade-example-{os.getpid()}-")
    True
    >>> folder.close(); folder.path.exists()
    False
    """

    def __init__(self, kind, parent=None):
        remove_stale()
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-{os.getpid()}-", dir=parent))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def close(self):
        self._finalizer()
