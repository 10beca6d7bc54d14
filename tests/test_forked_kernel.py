"""Kernels forked from the kernel zygote: as walled in as a kernel started on its own, from the
host, from the zygote, and from each other (convgrade/sandbox/zygote.py, forked_kernel.py).

Each test runs real kernels from a real zygote in bubblewrap, and looks at them from inside
(student code) and from the host (/proc, the cgroup tree)."""

import contextlib
import errno
import json
import os
import textwrap
import time
from pathlib import Path

import pytest
from jupyter_core.utils import run_sync
from traitlets.config import Config

from convgrade.sandbox.bwrap import CGROUP_ROOT, Sandbox
from convgrade.sandbox.cpu_clock import CpuClock
from convgrade.sandbox.forked_kernel import ForkedKernelProvisioner, KernelZygote
from convgrade.sandbox.kernel import SandboxedKernelManager, shut_down

pytestmark = pytest.mark.e2e


class Kernel:
    """A started, ready kernel and its client; `run` executes code and returns its output."""

    def __init__(self, config=None):
        self.km = SandboxedKernelManager(kernel_name="python3", config=config or Config())
        run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=60)

    @property
    def pid(self):
        return self.km.provisioner.pid

    def run(self, code, timeout=60):
        printed = []
        reply = run_sync(self.kc.execute_interactive)(
            textwrap.dedent(code),
            timeout=timeout,
            output_hook=lambda m: printed.append(
                m["content"].get("text") or "\n".join(m["content"].get("traceback", []))
            ),
        )
        text = "".join(printed)
        assert reply["content"]["status"] == "ok", text
        return text

    def json(self, code):
        return json.loads(self.run(code).strip().splitlines()[-1])

    def close(self):
        self.kc.stop_channels()
        shut_down(self.km)


@contextlib.contextmanager
def kernels(count, config=None):
    started = []
    try:
        for _ in range(count):
            started.append(Kernel(config))
        yield started
    finally:
        for kernel in started:
            kernel.close()


def _tree(pid):
    """`pid` and every process below it, from the host."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending += [int(n) for n in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def test_kernels_are_forks_of_one_zygote_unless_turned_off():
    with kernels(2) as (first, second):
        assert isinstance(first.km.provisioner, ForkedKernelProvisioner)
        assert first.km.zygote is second.km.zygote
        zygote = first.km.zygote.host_pid
        assert {first.pid, second.pid} <= set(_tree(zygote))
        assert first.run("print(6 * 7)") == "42\n"
        # The grader's CPU clock (and so every time limit) finds the kernel's own Python:
        # pid 2 of its namespace, under the fork and its init.
        kernel = CpuClock(first.pid).pid
        assert kernel is not None and _namespace_pids(kernel)[-1] == 2
    with kernels(1, Config({"Sandbox": {"fork_kernels": False}})) as (plain,):
        assert plain.km.zygote is None
        assert not isinstance(plain.km.provisioner, ForkedKernelProvisioner)
        assert plain.run("print(6 * 7)") == "42\n"


# What a kernel sees of itself and its sandbox, as JSON, to compare a fork with a kernel
# started on its own. Everything here must be the same in both (/proc aside).
VIEW = """
import json, os, resource, sys
def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as error:
        return type(error).__name__
print(json.dumps({
    "root": [e for e in listing("/") if e != "proc"],
    "etc": listing("/etc"),
    "tmp": [e for e in listing("/tmp/convgrade") if e not in ("fonts", "connection.json")],
    "cwd": os.getcwd(),
    "home": os.environ["HOME"],
    "uid": os.getuid(),
    "limits": [resource.getrlimit(getattr(resource, f"RLIMIT_{n}")) for n in
               ("AS", "CPU", "FSIZE", "CORE")],
    "env": sorted(k for k in os.environ if k not in ("CONVGRADE_FONTS",)),
    "path": [p for p in sys.path],
    "flags": list(sys.flags),
    "pid": os.getpid(),
    "session": [os.getsid(0), os.getpgrp()],
}))
"""


def test_a_fork_sees_what_a_kernel_started_on_its_own_sees():
    with kernels(1) as (fork,):
        forked = fork.json(VIEW)
    with kernels(1, Config({"Sandbox": {"fork_kernels": False}})) as (plain,):
        started = plain.json(VIEW)
    assert forked == started


def test_a_fork_holds_no_capability_and_runs_under_the_filter():
    with kernels(1) as (kernel,):
        seen = kernel.json(
            """
            import ctypes, errno, json, os
            libc = ctypes.CDLL(None, use_errno=True)
            class Header(ctypes.Structure):
                _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
            class Data(ctypes.Structure):
                _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                            ("inheritable", ctypes.c_uint32)]
            data = (Data * 2)()
            libc.capget(ctypes.byref(Header(0x20080522, 0)), data)
            bounding = [c for c in range(64) if libc.prctl(23, c, 0, 0, 0) == 1]
            def attempt(call):
                result = call()
                return "done" if result == 0 else os.strerror(ctypes.get_errno())
            print(json.dumps({
                "caps": [getattr(d, f) for d in data for f in ("effective", "permitted",
                                                              "inheritable")],
                "bounding": bounding,
                "ambient": [c for c in range(64) if libc.prctl(47, 1, c, 0, 0) == 1],
                "no_new_privs": libc.prctl(39, 0, 0, 0, 0),
                "seccomp": libc.prctl(21, 0, 0, 0, 0),
                "mount": attempt(lambda: libc.mount(b"none", b"/tmp/convgrade/work", b"tmpfs",
                                                    0, None)),
                "remount": attempt(lambda: libc.mount(None, b"/usr", None, 32 | 4096, None)),
                "unshare": attempt(lambda: libc.unshare(0x00020000)),
                "user namespace": attempt(lambda: libc.unshare(0x10000000)),
                "bpf": attempt(lambda: libc.syscall(321, 0, 0, 0)),
            }))
            """
        )
    assert seen["caps"] == [0] * 6 and seen["bounding"] == [] and seen["ambient"] == []
    assert seen["no_new_privs"] == 1 and seen["seccomp"] == 2, seen
    refused = {k: v for k, v in seen.items() if k in ("mount", "remount", "unshare", "bpf")}
    assert "done" not in refused.values() and seen["user namespace"] != "done", seen


def test_forks_share_nothing_with_each_other():
    """Two students graded one after the other by one worker: files, shared memory, sockets,
    processes of one are out of the other's reach."""
    with kernels(2) as (first, second):
        first.run(
            """
            import os, socket, subprocess
            open("/tmp/convgrade/work/answer.py", "w").write("x = 1")
            open("/tmp/left-behind", "w").write("x")
            open("/dev/shm/shared", "w").write("x")
            listener = socket.socket(socket.AF_UNIX)
            listener.bind("\\0convgrade-fork-test")
            listener.listen()
            sleeper = subprocess.Popen(["sleep", "600"])
            terminal = os.openpty()
            print(sleeper.pid)
            """
        )
        seen = second.json(
            """
            import json, os, socket
            reachable = []
            for pid in range(1, 400):
                try:
                    os.kill(pid, 0)
                    reachable.append(pid)
                except OSError:
                    pass
            try:
                socket.socket(socket.AF_UNIX).connect("\\0convgrade-fork-test")
                connected = "connected"
            except OSError as error:
                connected = type(error).__name__
            print(json.dumps({
                "files": [p for p in ("/tmp/convgrade/work/answer.py", "/tmp/left-behind",
                                      "/dev/shm/shared") if os.path.exists(p)],
                "forks folder": os.path.exists("/tmp/convgrade/forks"),
                "zygote script": os.path.exists("/tmp/convgrade/zygote.py"),
                "pids": reachable,
                "socket": connected,
                "terminals": sorted(os.listdir("/dev/pts")),
            }))
            """
        )
        own = _namespace_tids(second.pid)
    assert seen["files"] == [] and not seen["forks folder"] and not seen["zygote script"]
    assert seen["socket"] != "connected"
    assert seen["terminals"] == ["ptmx"], "the first kernel's terminal is in sight"
    # Its own init and the kernel's threads, nothing else (not the first kernel's sleep).
    assert 1 in seen["pids"] and set(seen["pids"]) <= own, (seen["pids"], own)


def _namespace_pids(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return [int(n) for n in line.split()[1:]]
    return []


def _namespace_tids(pid):
    """The ids every task below `pid` has in its innermost PID namespace, seen from the host."""
    ids = set()
    for process in _tree(pid):
        for status in Path(f"/proc/{process}/task").glob("*/status"):
            for line in status.read_text().splitlines():
                if line.startswith("NSpid:"):
                    ids.add(int(line.split()[-1]))
    return ids


def test_a_forks_sockets_cannot_be_swapped_for_links_to_the_host():
    """The grader reaches the kernel's sockets by path, from the host: the socket folder is
    read-only once the kernel has made them, so no link to a host socket can take the place
    of one (red team: a reconnection followed such a link, as root)."""
    with kernels(1) as (kernel,):
        seen = kernel.json(
            """
            import glob, json, os
            sockets = sorted(glob.glob("/tmp/convgrade/ipc/kernel-*"))
            tried = {}
            for name, attempt in [
                ("link", lambda: os.symlink("/etc/passwd", "/tmp/convgrade/ipc/link")),
                ("move", lambda: os.replace(sockets[0], sockets[0] + ".moved")),
                ("remove", lambda: os.remove(sockets[0])),
                ("new file", lambda: open("/tmp/convgrade/ipc/new", "w").close()),
                # Swapping a folder on the way for one of the student's making.
                ("move folder", lambda: os.rename("/tmp/convgrade/ipc", "/tmp/convgrade/i")),
                ("move parent", lambda: os.rename("/tmp/convgrade", "/tmp/moved")),
                ("remove folder", lambda: os.rmdir("/tmp/convgrade/ipc")),
            ]:
                try:
                    attempt()
                    tried[name] = "done"
                except OSError as error:
                    tried[name] = error.errno
            print(json.dumps({"sockets": len(sockets), "tried": tried}))
            """
        )
        assert kernel.run("print('still answering')") == "still answering\n"
    assert seen["sockets"] == 5
    assert set(seen["tried"].values()) <= {errno.EROFS, errno.EBUSY}, seen


def test_a_fork_holds_none_of_the_zygotes_pipes_or_files():
    """Seen from the host: no process of a fork has an open file of the zygote's (its
    channel to the grader, its other forks' pipes)."""
    with kernels(2) as (first, second):
        zygote = first.km.zygote
        channel = (zygote.process.stdin, zygote.process.stdout)
        theirs = {os.fstat(stream.fileno()).st_ino for stream in channel}
        for pid in _tree(zygote.host_pid):
            if pid == zygote.host_pid:
                continue
            held = set()
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    held.add(fd.stat().st_ino)
                except OSError:
                    pass
            assert not held & theirs, pid
        assert second.run("print('still fine')") == "still fine\n"


def _cgroups(pid):
    """The capping cgroup folders of process `pid`: {file that holds a cap: its value}."""
    caps = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "convgrade" not in path:
            continue
        if controllers == "":  # cgroup v2
            folder = CGROUP_ROOT / path.lstrip("/")
            names = ("memory.max", "pids.max")
        else:
            folder = CGROUP_ROOT / controllers / path.lstrip("/")
            names = {"pids": ("pids.max",), "memory": ("memory.limit_in_bytes",)}[controllers]
        for name in names:
            caps[folder / name] = (folder / name).read_text().strip()
    return caps


def test_each_fork_has_its_own_capped_cgroups_and_leaves_nothing_behind():
    config = Config({"Sandbox": {"memory_limit_mb": 700, "max_processes": 33}})
    if not Sandbox(config=config).new_cgroups():
        pytest.skip("no cgroups can be made here")
    with kernels(2, config) as (first, second):
        seen = []
        for kernel in (first, second):
            kernel.run("import subprocess; subprocess.Popen(['sleep', '600'])")
            tree = _tree(kernel.pid)
            assert len(tree) >= 4  # the fork, its init, the kernel, the sleep
            caps = _cgroups(tree[0])
            assert all(_cgroups(p) == caps for p in tree)
            assert sorted(caps.values()) == sorted([str(700 << 20), "33"]), caps
            seen.append((caps, tree))
        assert not set(seen[0][0]) & set(seen[1][0])
        zygote = first.km.zygote
    for caps, tree in seen:
        assert not any(path.parent.exists() for path in caps)
        deadline = time.monotonic() + 5
        while any(Path(f"/proc/{p}").exists() for p in tree) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not [p for p in tree if Path(f"/proc/{p}").exists()]
    assert zygote.alive()  # the zygote outlives its kernels


def test_kernels_die_with_their_zygote_and_a_new_zygote_takes_over():
    with kernels(1) as (kernel,):
        tree = _tree(kernel.pid)
        kernel.km.zygote.close()
        deadline = time.monotonic() + 5
        while any(Path(f"/proc/{p}").exists() for p in tree) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not [p for p in tree if Path(f"/proc/{p}").exists()]
        assert not run_sync(kernel.km.is_alive)()
    with kernels(1) as (again,):
        assert again.km.zygote.alive() and again.run("print(1)") == "1\n"


def test_a_zygote_that_cannot_start_means_kernels_start_one_by_one(monkeypatch, caplog):
    KernelZygote.discard()
    monkeypatch.setattr(KernelZygote, "_unusable", set())
    monkeypatch.setattr("convgrade.sandbox.forked_kernel.PRELOAD", ("no_such_module_here",))
    with kernels(1) as (kernel,):
        assert kernel.km.zygote is None
        assert kernel.run("print(2)") == "2\n"
    assert "no kernel zygote" in caplog.text and "no_such_module_here" in caplog.text
    KernelZygote.discard()


def test_the_limits_hold_in_a_fork():
    config = Config({"Sandbox": {"max_file_mb": 3, "scratch_mb": 20, "shm_mb": 5}})
    with kernels(1, config) as (kernel,):
        seen = kernel.json(
            """
            import json, os
            def fill(path, chunk=1 << 20):
                total = 0
                try:
                    with open(path, "wb") as f:
                        for _ in range(64):
                            f.write(b"x" * chunk)
                            f.flush()
                            total += 1
                except OSError:
                    pass
                return total
            import signal
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            big = fill("/tmp/convgrade/work/big")
            os.remove("/tmp/convgrade/work/big")
            small = [fill(f"/tmp/convgrade/work/part{i}", 1 << 20) for i in range(10)]
            shm = [fill(f"/dev/shm/part{i}") for i in range(3)]
            print(json.dumps({"file": big, "scratch": sum(small), "shm": sum(shm)}))
            """
        )
    assert 0 < seen["file"] <= 3 and 0 < seen["scratch"] <= 20 and 0 < seen["shm"] <= 5, seen
