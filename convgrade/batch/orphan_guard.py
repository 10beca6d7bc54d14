"""A local grading worker ends when its coordinator ends, however the coordinator ends.

Python's process pool does not see its coordinator go: each worker holds both ends of the
pool's task pipe, so the pipe never reports the end of the coordinator, and the fork server
lives as long as any process forked from it. A coordinator ended by SIGTERM, SIGKILL or the
out-of-memory killer therefore left every worker waiting for tasks for ever, each with a
spare kernel and checks process in its sandbox (measured: 10 processes still alive 25 s
after a SIGTERM, and no end to it).
"""

import os
import select
import threading
import time

# How long a worker may spend releasing its sandboxes and private course copy once its
# coordinator is gone, before it exits anyway (the sandboxes die with it regardless:
# bwrap's --die-with-parent).
RELEASE_SECONDS = 10.0
# How often the coordinator is looked for where pidfd_open is missing (Linux before 5.3).
POLL_SECONDS = 1.0


def exit_with(coordinator_pid, release):
    """From now on, when process `coordinator_pid` ends, call `release()` and exit.

    Watched from a daemon thread through a pidfd, which names that very process, so a pid
    reused later cannot keep the worker alive. If it has ended already, exit at once."""
    try:
        handle = os.pidfd_open(coordinator_pid)
    except ProcessLookupError:
        _release_and_exit(release)
        return
    except (AttributeError, OSError):  # no pidfd on this system: look now and then
        handle = None
    threading.Thread(
        target=_watch, args=(coordinator_pid, handle, release), name="orphan-guard", daemon=True
    ).start()


def _watch(pid, handle, release):
    if handle is not None:
        select.select([handle], [], [])  # readable once the process has ended
    else:
        while _exists(pid):
            time.sleep(POLL_SECONDS)
    _release_and_exit(release)


def _exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now holds the number
        return False
    return True


def _release_and_exit(release):
    # The grading thread may be holding what release() needs: the timer ends the wait.
    threading.Timer(RELEASE_SECONDS, os._exit, args=(1,)).start()
    try:
        release()
    finally:
        os._exit(1)
