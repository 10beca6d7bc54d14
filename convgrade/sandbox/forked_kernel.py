"""Kernels forked from a zygote (convgrade/sandbox/zygote.py), the grader's side.

Each grading process keeps one zygote: a sandbox like a kernel's, holding a Python process
that has imported the kernel's modules once, and forks a kernel of its own per notebook.
The grader moves each fork into a cgroup of its own before the fork does anything, and
tracks, signals and kills it by its pid on the host. A kernel started so costs a few
milliseconds of CPU instead of a fresh interpreter's imports.

Used when Sandbox.fork_kernels is on and bubblewrap can keep capabilities for the zygote
(0.8.0 or later, which also stops user namespaces); otherwise, or when a zygote cannot
start, kernels start as their own sandboxes (convgrade/sandbox/kernel.py), as before.
"""

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

from convgrade.sandbox.bwrap import end_sandbox, remove_cgroup
from convgrade.tempdirs import PrivateFolder

log = logging.getLogger(__name__)

# Where the zygote sees its script and the kernels' folders; see zygote.py.
SCRIPT_PATH = "/tmp/convgrade/zygote.py"
FOLDERS_DIR = "/tmp/convgrade/forks"
FONT_CACHE_DIR = "/tmp/convgrade/fonts"
CONNECTION_FILE = "/tmp/convgrade/connection.json"
WORK_DIR = "/tmp/convgrade/work"
# Imported once in the zygote: what every kernel imports at start, and numpy, which every
# notebook of this course imports first.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "numpy")
# How long the zygote may take to import PRELOAD, and to answer a request.
READY_SECONDS = 60.0
ANSWER_SECONDS = 10.0
# The provisioner's name, as pyproject.toml registers it with jupyter_client.
PROVISIONER_NAME = "convgrade-forked-kernel"


class ZygoteFailed(RuntimeError):
    """The zygote did not start or did not answer; the message says what it printed."""


class KernelZygote:
    """One grading process's zygote: started on first use, restarted if it dies, replaced
    when the sandbox's settings change."""

    _current = None  # (settings key, KernelZygote)
    _unusable = set()  # settings keys whose zygote could not start: kernels start plainly

    @classmethod
    def for_sandbox(cls, sandbox):
        """The zygote for kernels of `sandbox`, or None where kernels must start plainly."""
        if not (sandbox.is_sandboxed and sandbox.fork_kernels):
            return None
        if not sandbox.stops_user_namespaces():
            return None
        settings = sandbox.trait_values(config=True)
        key = repr(sorted(settings.items(), key=str)) + str(sandbox.course_root)
        if key in cls._unusable:
            return None
        current = cls._current
        if current is not None and current[0] == key and current[1].alive():
            return current[1]
        cls.discard()
        try:
            zygote = cls(sandbox)
        except (ZygoteFailed, OSError) as error:
            cls._unusable.add(key)
            log.warning("Kernels start one by one: no kernel zygote (%s)", error)
            return None
        cls._current = (key, zygote)
        return zygote

    @classmethod
    def discard(cls):
        current, cls._current = cls._current, None
        if current is not None:
            current[1].close()

    def __init__(self, sandbox):
        from convgrade.sandbox import zygote
        from convgrade.sandbox.kernel import KERNEL_HIDDEN_PACKAGES

        self.sandbox = sandbox
        self._host_folder = PrivateFolder("zygote")
        self.folders = self._host_folder.path / "forks"
        self.folders.mkdir()
        self._lock = threading.Lock()
        env = sandbox.base_env()
        env[zygote.PRELOAD_VARIABLE] = " ".join(PRELOAD)
        inputs = [(Path(zygote.__file__), SCRIPT_PATH), (self.folders, FOLDERS_DIR)]
        font_cache = sandbox.font_cache_dir()
        if font_cache:
            inputs.append((font_cache, FONT_CACHE_DIR))
        filter_fd = sandbox.syscall_filter_fd()
        command = sandbox.bwrap_args(
            WORK_DIR,
            inputs=inputs,
            env=env,
            seccomp_fd=filter_fd,
            hidden_packages=KERNEL_HIDDEN_PACKAGES,
            proc_shown=False,
            capabilities_kept=True,
        ) + [sys.executable, SCRIPT_PATH]
        self.cgroups = sandbox.new_cgroups()
        limits = sandbox.process_limits(cpu=False)
        self.stderr = open(self._host_folder.path / "stderr", "w+b")
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=env,
                pass_fds=() if filter_fd is None else (filter_fd,),
                start_new_session=True,
                preexec_fn=lambda: sandbox.enter(self.cgroups, limits),
            )
        finally:
            if filter_fd is not None:
                os.close(filter_fd)
        try:
            if self._answer(READY_SECONDS) != {"ready": True}:
                raise ZygoteFailed(self._last_words())
            self.host_pid = _only_python_under(self.process.pid)
        except BaseException:
            self.close()
            raise

    def alive(self):
        return self.process.poll() is None

    def fork(self, argv, folder, limits):
        """A new kernel running `argv` (ipykernel's arguments) with `folder` (in
        self.folders) as its connection file and input; moved into fresh cgroups before it
        starts. Returns a ForkedKernelProcess."""
        with self._lock:
            pid = self._ask({"fork": folder.name, "argv": argv, "limits": limits}).get("pid")
            if not isinstance(pid, int):
                raise ZygoteFailed(self._last_words())
            host_pid = _child_with_namespace_pid(self.host_pid, pid)
            cgroups = self.sandbox.new_cgroups()
            try:
                if host_pid is None:
                    raise ZygoteFailed("its fork could not be found")
                for cgroup in cgroups:
                    (cgroup / "cgroup.procs").write_text(str(host_pid))
                process = ForkedKernelProcess(host_pid, cgroups)
            except BaseException:
                remove_cgroup(cgroups)
                self._ask({"go": pid, "abandon": True})  # it exits at once
                raise
            self._ask({"go": pid})
            return process

    def _ask(self, request):
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            raise ZygoteFailed(self._last_words()) from None
        return self._answer(ANSWER_SECONDS)

    def _answer(self, timeout):
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else b""
        try:
            return json.loads(line)
        except ValueError:
            raise ZygoteFailed(self._last_words()) from None

    def _last_words(self):
        """Why the zygote failed: the last line it printed, or that it said nothing."""
        try:
            self.stderr.seek(0)
            text = self.stderr.read(8000).decode(errors="replace").strip()
        except (OSError, ValueError):
            text = ""
        if self.process.poll() is not None:
            ended = f"the kernel zygote exited with code {self.process.returncode}"
        else:
            ended = "the kernel zygote did not answer"
        return ended + (f": {text.splitlines()[-1]}" if text else "")

    def close(self):
        end_sandbox(self.process, self.cgroups)
        self.stderr.close()
        self._host_folder.close()


class ForkedKernelProcess:
    """A forked kernel as jupyter_client sees a Popen: pid, poll, wait, signals.

    It is not the grader's child, so it is watched through a pidfd; its exit code stays with
    the zygote, so a kernel that ended reads as -SIGKILL. SIGKILL, SIGTERM, SIGQUIT and
    SIGHUP end the whole kernel: its cgroup's processes, and the fork itself (whose death
    ends the kernel's PID namespace). Other signals reach the fork, not the kernel: the
    kernel's interrupts go by message (interrupt_mode)."""

    def __init__(self, pid, cgroups):
        self.pid = pid
        self.cgroups = cgroups
        self.returncode = None
        self._pidfd = os.pidfd_open(pid)
        self.stdin = self.stdout = self.stderr = None

    def poll(self):
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self._ended()
        return self.returncode

    def _ended(self):
        self.returncode = -signal.SIGKILL
        os.close(self._pidfd)
        self._pidfd = None

    def send_signal(self, signum):
        if self.returncode is not None:
            return
        if signum in (signal.SIGKILL, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP):
            self.kill()
        else:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self):
        if self.returncode is None:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        remove_cgroup(self.cgroups)

    def terminate(self):
        self.kill()


class ForkedKernelProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with a fork of the zygote for the Popen."""

    async def launch_kernel(self, cmd, **kwargs):
        km = self.parent
        argv = cmd[cmd.index("ipykernel_launcher") + 1 :]
        argv = [CONNECTION_FILE if arg == km.connection_file else arg for arg in argv]
        self.process = km.zygote.fork(argv, km.kernel_folder, km.sandbox.fork_limits())
        self._cgroups = self.process.cgroups  # wait() forgets the process, not its cgroups
        self.pid = self.process.pid
        self.pgid = None
        self.cwd = None
        return self.connection_info

    async def cleanup(self, restart=False):
        await super().cleanup(restart=restart)
        if not restart:
            remove_cgroup(getattr(self, "_cgroups", ()))


def _namespace_pids(pid):
    """NSpid of /proc/<pid>/status: the pid in this namespace, then in each nested one."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("NSpid:"):
                    return [int(n) for n in line.split()[1:]]
    except (OSError, ValueError):
        pass
    return []


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(n) for n in children.read().split()]
    except (OSError, ValueError):
        return []


def _child_with_namespace_pid(parent, inner_pid):
    """The host pid of the child of `parent` whose pid in the sandbox is `inner_pid`."""
    for child in _children(parent):
        pids = _namespace_pids(child)
        if len(pids) >= 2 and pids[1] == inner_pid:
            return child
    return None


def _only_python_under(bwrap_pid):
    """The zygote's host pid: below bwrap and its init, the one Python process."""
    pending = [bwrap_pid]
    while pending:
        pid = pending.pop()
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if name.startswith("python"):
            return pid
        pending += _children(pid)
    raise ZygoteFailed("its Python process could not be found")
