"""The kernel zygote: one Python process per grading process, with the kernel's imports done,
that makes each notebook's kernel by forking itself.

A kernel started the usual way spends about a quarter of a second of CPU importing
ipykernel, IPython and numpy, for every submission. A fork of a process that has imported
them costs a few milliseconds, and the kernel's own set-up after it about 0.06 s. So the
grader starts this file once, in a sandbox built like a kernel's
(convgrade/sandbox/forked_kernel.py), and asks it for one fork per notebook.

What makes a fork as separate as a kernel of its own: the zygote runs no student code,
ever; each fork gets fresh namespaces (mount, PID, IPC, network, UTS, cgroup), its own
size-capped /tmp and /dev/shm in place of the zygote's, its own terminals, its own cgroup
(joined from outside, before it runs anything), its resource limits, and then gives up
every capability before the kernel starts; its socket folder turns read-only once the
kernel has made its sockets. The zygote's sandbox keeps capabilities only to make those
namespaces and mounts; it has the system call filter, no user namespaces and no /proc, like
a kernel's, and it is the forks' only way to the host.

Runs inside the sandbox on its own: the standard library, plus the modules it preloads.

Protocol on stdin and stdout, one JSON object per line. The zygote says {"ready": true}
once its imports are done. Then, for each kernel:
  {"fork": folder, "argv": [...], "limits": {...}}  ->  {"pid": pid}   (waits for "go")
  {"go": pid}                                        ->  {"ok": true}  (the fork goes on)
`folder` is the kernel's folder under FOLDERS_DIR: its connection.json and its input/.
`pid` is the fork's pid as the zygote sees it; the grader moves it into its cgroup between
the two requests. {"go": pid, "abandon": true} instead ends a fork the grader could not
place in its cgroup.
"""

import ctypes
import ctypes.util
import importlib
import json
import os
import resource
import shutil
import signal
import sys
import time

# Kept in step with convgrade/sandbox/kernel.py and forked_kernel.py.
FOLDERS_DIR = "/tmp/convgrade/forks"  # the grader's folders of the kernels, read-only
FONT_CACHE_DIR = "/tmp/convgrade/fonts"
SCRATCH = "/tmp/convgrade"
CONNECTION_FILE = "/tmp/convgrade/connection.json"
INPUT_DIR = "/tmp/convgrade/input"
WORK_DIR = "/tmp/convgrade/work"
HOME = "/tmp/convgrade/home"
SOCKET_DIR = "/tmp/convgrade/ipc"
# How often, and how long, the fork looks for its kernel's sockets once it is initialized.
SOCKET_POLL_SECONDS = 0.002
SOCKETS_SECONDS = 30.0
# The modules to import once, for every kernel: names separated by spaces.
PRELOAD_VARIABLE = "CONVGRADE_ZYGOTE_PRELOAD"

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = (
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET
)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NAME, PR_GET_NAME, PR_CAPBSET_DROP = 1, 15, 16, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _check(result, what):
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source, target, fstype, flags, data=None):
    _check(
        _libc.mount(
            source and source.encode(),
            target.encode(),
            fstype and fstype.encode(),
            ctypes.c_ulong(flags),
            data and data.encode(),
        ),
        f"mount {target}",
    )


def _prctl(option, value=0):
    _check(
        _libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), 0),
        f"prctl {option}",
    )


def _name_process(name):
    """Set the name ps and the grader's CPU clock see; a fork inherits its parent's."""
    _libc.prctl(PR_SET_NAME, name.encode(), 0, 0, 0)


def _process_name():
    name = ctypes.create_string_buffer(16)
    _libc.prctl(PR_GET_NAME, name, 0, 0, 0)
    return name.value.decode()


def _drop_capabilities():
    """Give up every capability for good: bounding set, ambient, effective and permitted.
    no_new_privs also keeps a set-user-ID program from giving any back."""
    cap = 0
    while _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) == 0:
        cap += 1
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header = _CapHeader(CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def _socket_paths(connection):
    """The kernel's ZeroMQ socket files, as its connection file names them (ipc transport:
    the ip, a dash, the port)."""
    info = json.loads(connection)
    return [f"{info['ip']}-{info[key]}" for key in sorted(info) if key.endswith("_port")]


def _lock_sockets(sockets, handshake):
    """Make the socket folder read-only once the kernel has made every socket in it, and
    only then let the kernel take requests (`handshake`: see _run_fork). The grader reaches
    the sockets by their paths; in a writable folder, code could put a symbolic link to a
    socket of the host in place of one, and the grader's reconnection would follow it.
    Returns False if the kernel ended first."""
    initialized, locked = handshake
    if os.read(initialized, 1) != b"i":
        return False
    # The heartbeat binds its socket from a thread of its own: wait for all of them.
    deadline = time.monotonic() + SOCKETS_SECONDS
    while not all(os.path.exists(path) for path in sockets):
        if time.monotonic() > deadline:
            return False
        time.sleep(SOCKET_POLL_SECONDS)
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
    _mount(None, SOCKET_DIR, None, flags)
    os.write(locked, b"l")
    return True


def _fresh_scratch(folder, limits):
    """Put the fork's own size-capped /tmp and /dev/shm in place of the zygote's, holding
    its connection file, the fonts, and a read-only view of its input folder."""
    with open(f"{folder}/connection.json", "rb") as stream:
        connection = stream.read()
    # Built on /dev/shm, then moved onto /tmp: the zygote's /tmp holds the folder to bind.
    staging = "/dev/shm"
    _mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV, f"size={limits['scratch']},mode=755")
    inside = staging + SCRATCH.removeprefix("/tmp")
    os.mkdir(inside)
    # Mount points cannot be renamed or removed: with /tmp/convgrade and its socket folder
    # mounts of their own, no component of the path the grader connects by can be swapped.
    _mount(inside, inside, None, MS_BIND)
    for path in (WORK_DIR, HOME, SOCKET_DIR, INPUT_DIR):
        os.makedirs(staging + path.removeprefix("/tmp"), exist_ok=True)
    with open(f"{inside}/connection.json", "wb") as stream:
        stream.write(connection)
    if os.path.isdir(FONT_CACHE_DIR):
        shutil.copytree(FONT_CACHE_DIR, f"{inside}/home/.matplotlib", dirs_exist_ok=True)
    target = staging + INPUT_DIR.removeprefix("/tmp")
    _mount(f"{folder}/input", target, None, MS_BIND)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    sockets = staging + SOCKET_DIR.removeprefix("/tmp")
    _mount(sockets, sockets, None, MS_BIND)  # made read-only once the kernel's sockets exist
    _mount(staging, "/tmp", None, MS_MOVE)
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={limits['shm']},mode=755")


def _set_limits(limits):
    for which, value in (
        (resource.RLIMIT_AS, limits["memory"]),
        (resource.RLIMIT_FSIZE, limits["file"]),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 5))


def _quiet_standard_streams():
    """/dev/null in place of the zygote's stdin and stdout (its channel to the grader)."""
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)


def _become_kernel(argv, handshake):
    """Run the kernel, as `python -m ipykernel_launcher argv` would, once `handshake` (the
    write end of "initialized", the read end of "locked") says its sockets are safe."""
    import importlib.util

    from ipykernel.kernelapp import IPKernelApp

    os.environ.pop(PRELOAD_VARIABLE, None)
    sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *argv]
    if "numpy" in sys.modules:  # its global generator was seeded in the zygote, for all
        sys.modules["numpy"].random.seed()
    app = IPKernelApp.instance()
    app.initialize(argv)  # binds the sockets
    # No request is taken before the fork has made the socket folder read-only.
    initialized, locked = handshake
    os.write(initialized, b"i")
    os.close(initialized)
    if os.read(locked, 1) != b"l":
        sys.exit(1)
    os.close(locked)
    app.start()


def _run_fork(request, go_fd):
    """The fork's life: wait for the grader, then isolate, then run the kernel."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    interpreter = _process_name()
    _name_process("kernel-fork")
    _quiet_standard_streams()
    # Nothing of the zygote's: its channel, other forks' pipes, the filter bwrap read.
    os.closerange(3, go_fd)
    os.closerange(go_fd + 1, 1 << 16)
    if os.read(go_fd, 1) != b"g":  # the grader never moved it into its cgroup
        os._exit(1)
    os.close(go_fd)
    _check(_libc.unshare(NAMESPACES), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _fresh_scratch(f"{FOLDERS_DIR}/{request['fork']}", request["limits"])
    # Terminals of its own: the zygote's devpts is every fork's otherwise.
    _mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666")
    _set_limits(request["limits"])
    with open(CONNECTION_FILE, "rb") as stream:
        sockets = _socket_paths(stream.read())
    # The kernel says "initialized" (its sockets are bound) and waits for "locked".
    initialized_read, initialized_write = os.pipe()
    locked_read, locked_write = os.pipe()
    init = os.fork()  # pid 1 of the new PID namespace
    if init == 0:
        os.close(initialized_read)
        os.close(locked_write)
        _run_init(request, interpreter, (initialized_write, locked_read))
    os.close(initialized_write)
    os.close(locked_read)
    if not _lock_sockets(sockets, (initialized_read, locked_write)):
        os.kill(init, signal.SIGKILL)  # a kernel with its sockets open to swapping: none
    os.close(initialized_read)
    os.close(locked_write)
    _drop_capabilities()
    os.waitpid(init, 0)
    os._exit(0)


def _run_init(request, interpreter, handshake):
    """Pid 1 of the kernel's namespace: starts the kernel, reaps orphans, ends with it.
    (Pid 1 ignores signals it has no handler for, so the kernel itself must not be it:
    student code that kills its own process must end it.)"""
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _name_process("kernel-init")
        # A session and process group inside the namespace: kill(0, ...) or killpg from
        # student code then reaches only the kernel's own processes, never the fork.
        os.setsid()
        os.dup2(0, 2)  # what the kernel prints outside Jupyter's channels goes nowhere
        _drop_capabilities()
        kernel = os.fork()
    except BaseException:
        os._exit(70)
    if kernel == 0:
        _run_kernel(request["argv"], interpreter, handshake)
    for fd in handshake:
        os.close(fd)
    while True:
        pid, status = os.wait()
        if pid == kernel:
            os._exit(0 if os.waitstatus_to_exitcode(status) == 0 else 1)


def _run_kernel(argv, interpreter, handshake):
    """Pid 2: the kernel. It ends its process itself, with the kernel's exit code: no frame
    of the zygote's below this one may go on running."""
    code = 1
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _name_process(interpreter)  # the grader finds the kernel by it (CpuClock)
        os.chdir(WORK_DIR)
        os.environ["PWD"] = WORK_DIR
        _become_kernel(argv, handshake)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    finally:
        os._exit(code)


def _reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def serve():
    for module in os.environ.get(PRELOAD_VARIABLE, "").split():
        importlib.import_module(module)
    # The forks wait for their own children; the zygote only lets its forks go.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    del sys.path[0]  # this file's folder: the kernel's path starts as a fresh kernel's
    waiting = {}  # pid of a fork -> the write end of the pipe it waits on
    _reply({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        if "fork" in request:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(write_end)
                    _run_fork(request, read_end)
                except BaseException as error:
                    os.write(2, f"kernel fork failed: {error}\n".encode())
                finally:
                    os._exit(70)
            os.close(read_end)
            waiting[pid] = write_end
            _reply({"pid": pid})
        elif "go" in request:
            write_end = waiting.pop(request["go"], None)
            if write_end is not None:
                try:
                    os.write(write_end, b"x" if request.get("abandon") else b"g")
                except OSError:
                    pass  # the fork is gone already: the grader finds it dead
                os.close(write_end)
            _reply({"ok": write_end is not None})


if __name__ == "__main__":
    serve()
