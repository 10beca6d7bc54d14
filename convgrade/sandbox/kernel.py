"""A Jupyter kernel manager that starts the kernel inside the bubblewrap sandbox, ahead of time."""

import atexit
import json
import os
import selectors
import shutil
import subprocess
import time
import uuid
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from convgrade.contract import FORBIDDEN
from convgrade.sandbox.bwrap import Sandbox, remove_cgroup
from convgrade.sandbox.forked_kernel import ForkedKernelProvisioner, KernelZygote
from convgrade.tempdirs import PrivateFolder

WORK_DIR = "/tmp/convgrade/work"
INPUT_DIR = "/tmp/convgrade/input"
FONT_CACHE_DIR = "/tmp/convgrade/fonts"
# The kernel's ZMQ sockets, in the sandbox's size-capped /tmp; the grader reaches them
# through /proc/<pid>/root, so no folder of the host is writable from the sandbox.
SOCKET_DIR = "/tmp/convgrade/ipc"
# How often a killed kernel is checked for being gone (jupyter_client's own interval is 0.1 s).
KILL_POLL_SECONDS = 0.002
# Seed matplotlib's font cache, then start the kernel.
PRELUDE = (
    'mkdir -p "$MPLCONFIGDIR" && { cp -a "$CONVGRADE_FONTS"/. "$MPLCONFIGDIR" 2>/dev/null '
    '|| true; } && exec "$@"'
)
# ipykernel imports debugpy for its debugger when it is installed, and a new kernel starts
# for every submission. Without it a kernel's start-up took 0.57 s of CPU instead of 0.69 s,
# and the same notebooks' cells ran about 7% faster (both measured here). Nobody debugs a
# grading kernel: with the package hidden, ipykernel starts without a debugger (its debugger
# module takes the ImportError as "not available").
KERNEL_HIDDEN_PACKAGES = (*FORBIDDEN.hidden_packages, "debugpy")
# Run silently before the first cell: bring in the notebook's files, warm the imports.
SETUP_CODE = f"""
import shutil as _shutil
_shutil.copytree({INPUT_DIR!r}, ".", dirs_exist_ok=True)
del _shutil
"""


class ReadyClient(AsyncKernelClient):
    """A kernel client that is ready as soon as the kernel has answered and its IOPub
    messages arrive, without jupyter_client's final flush of IOPub.

    jupyter_client's wait_for_ready ends by reading IOPub until it has been quiet for
    0.2 s, a fifth of a second per notebook spent waiting. nbclient reads only the IOPub
    messages whose parent is the request it sent, so stale ones need no flush. What
    wait_for_ready proves is kept: a kernel_info reply on the shell channel, and an IOPub
    message caused by that same request (so the IOPub subscription is live, and the
    notebook's first outputs cannot be lost).
    """

    async def wait_for_ready(self, timeout=None):
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            if await self._answered(request, min(1.0, max(deadline - time.monotonic(), 0))):
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _answered(self, request, timeout):
        """Whether `request` got its reply and an IOPub message within `timeout`."""
        replied = published = False
        ends = time.monotonic() + timeout
        while not (replied and published):
            left = ends - time.monotonic()
            if left <= 0:
                return False
            try:
                if not replied:
                    msg = await self.shell_channel.get_msg(timeout=left)
                    replied = msg["parent_header"].get("msg_id") == request
                    if replied:
                        self._handle_kernel_info_reply(msg)
                else:
                    msg = await self.iopub_channel.get_msg(timeout=min(left, 0.2))
                    published = msg["parent_header"].get("msg_id") == request
            except Empty:
                # No reply in time, or IOPub not connected yet: ask again, as jupyter_client does.
                return False
        return True


class SandboxedKernelManager(AsyncKernelManager):
    """Start an ipykernel under bwrap, talking ZMQ over IPC sockets inside the sandbox.

    TCP on loopback cannot cross into the sandbox's network namespace, so the kernel's
    sockets are Unix sockets. The kernel creates them in the sandbox's own size-capped
    /tmp, and the grader connects through /proc/<pid>/root/...: the host folder holding
    the connection file and the notebook's files is bound read-only, so nothing student
    code writes lands on the host's disk. Interrupts go by message: a signal sent to bwrap
    would not reach the kernel. The kernel starts in an empty working folder; `stage`
    later fills the read-only input folder with the notebook's files, and SETUP_CODE copies
    them in. So a kernel can be started before its notebook is known.

    Where it can, the kernel is a fork of the grading process's kernel zygote
    (convgrade/sandbox/forked_kernel.py) instead of a sandbox and interpreter of its own:
    the same view, limits and sockets, without the imports.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("client_class", f"{__name__}.ReadyClient")
        super().__init__(**kwargs)
        self.sandbox = Sandbox(parent=self)
        self.zygote = None
        if self.sandbox.is_sandboxed:
            self.sandbox.check_available()
            self.zygote = KernelZygote.for_sandbox(self.sandbox)
        # Removed even if this process is killed (the zygote's folder is a PrivateFolder).
        self._ipc_folder = PrivateFolder("ipc", parent=self.zygote and self.zygote.folders)
        self._ipc_dir = self._ipc_folder.path
        self.input_dir = self._ipc_dir / "input"
        self.input_dir.mkdir()
        self.transport = "ipc"
        sockets = f"{SOCKET_DIR}/kernel" if self.sandbox.is_sandboxed else self._ipc_dir / "kernel"
        self.ip = str(sockets)
        self.connection_file = str(self._ipc_dir / "connection.json")
        self._cgroup = None
        self._info_fd = None
        self._filter_fd = None

    def stage(self, folder):
        """Make `folder`'s files (the notebook's images and helpers) the kernel's input."""
        shutil.copytree(
            folder, self.input_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.ipynb")
        )

    @property
    def kernel_folder(self):
        """The host folder with the kernel's connection file and input/."""
        return self._ipc_dir

    async def _async_pre_start_kernel(self, **kw):
        self.sandbox.check_available()
        self.kernel_spec.interrupt_mode = "message"
        if self.zygote is not None:
            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            self.provisioner = self.provisioner or ForkedKernelProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
            return await super()._async_pre_start_kernel(**kw)
        popen_kwargs, self._cgroup = self.sandbox.popen_kwargs()
        popen_kwargs.pop("start_new_session")  # jupyter_client sets it itself
        kw.update(popen_kwargs)
        # What the kernel prints outside Jupyter's channels goes nowhere, not to our terminal.
        kw.update(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        work = self._ipc_dir / "work"  # used as is only without the sandbox
        work.mkdir(exist_ok=True)
        kw["cwd"] = str(work)
        if self.sandbox.is_sandboxed:
            self._info_fd = os.pipe()  # bwrap writes the sandbox's pid into it
            self._filter_fd = self.sandbox.syscall_filter_fd()
            kw["pass_fds"] = tuple(
                fd for fd in (self._info_fd[1], self._filter_fd) if fd is not None
            )
            # bwrap's own environment shows in the sandbox as /proc/1/environ: keep the
            # grader's (tokens, keys, paths) out of it, not only out of the kernel's.
            kw["env"] = self.sandbox.base_env()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self.zygote is not None:
            self.ip = f"/proc/{self.provisioner.pid}/root{SOCKET_DIR}/kernel"
            return
        self._close_filter_fd()  # bwrap has it now
        if self._info_fd is None:
            return
        read_end, write_end = self._info_fd
        self._info_fd = None
        os.close(write_end)
        try:
            pid = _read_child_pid(read_end, timeout=10)
        finally:
            os.close(read_end)
        if pid is None:
            raise RuntimeError("the kernel's sandbox did not start")
        # From here on the grader's side connects through the sandbox's own root.
        self.ip = f"/proc/{pid}/root{SOCKET_DIR}/kernel"

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if not self.sandbox.is_sandboxed or self.zygote is not None:
            return command
        env = self.sandbox.base_env()
        env.update(CONVGRADE_FONTS=FONT_CACHE_DIR)
        inputs = [(self.input_dir, INPUT_DIR), (self._ipc_dir, self._ipc_dir)]
        font_cache = self.sandbox.font_cache_dir()
        if font_cache:
            inputs.append((font_cache, FONT_CACHE_DIR))
        prefix = self.sandbox.bwrap_args(
            WORK_DIR,
            inputs=inputs,
            env=env,
            info_fd=self._info_fd[1] if self._info_fd else None,
            seccomp_fd=self._filter_fd,
            hidden_packages=KERNEL_HIDDEN_PACKAGES,
        )
        prelude = f"mkdir -p {SOCKET_DIR} && " + PRELUDE
        return prefix + ["/bin/sh", "-c", prelude, "sh"] + command

    @property
    def setup_code(self):
        """Code to run silently before the first cell, in the kernel's own working folder."""
        if self.sandbox.is_sandboxed:
            return SETUP_CODE
        return SETUP_CODE.replace(repr(INPUT_DIR), repr(str(self.input_dir)))

    def _close_filter_fd(self):
        if self._filter_fd is not None:
            os.close(self._filter_fd)
            self._filter_fd = None

    async def _async_wait(self, pollinterval=0.1):
        # jupyter_client polls a killed kernel every 0.1 s until it is gone, so each
        # shutdown cost a tenth of a second of nothing (a killed sandbox goes in a few ms).
        await super()._async_wait(pollinterval=min(pollinterval, KILL_POLL_SECONDS))

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self._info_fd is not None:  # the launch failed before reading it
            for fd in self._info_fd:
                os.close(fd)
            self._info_fd = None
        self._close_filter_fd()
        if not restart:
            remove_cgroup(self._cgroup)
            self._cgroup = None
            self._ipc_folder.close()


class KernelPool:
    """One spare kernel per process, launched while the previous notebook is still graded.

    Launching only starts the kernel's process; its start-up (about a second of imports)
    then overlaps with the hidden checks of the notebook before. A grading process told
    that no notebook follows (`wanted` False) launches none: a spare nobody takes is a
    second of CPU taken from the processes still grading.
    """

    _spare = None
    wanted = True

    @classmethod
    def take(cls, parent):
        """A launched kernel manager: the spare if there is one, else a new one."""
        km, cls._spare = cls._spare, None
        if km is None or not run_sync(km.is_alive)():
            km = cls._launch(parent)
        return km

    @classmethod
    def refill(cls, parent):
        if cls._spare is None and cls.wanted:
            cls._spare = cls._launch(parent)

    @classmethod
    def _launch(cls, parent):
        km = SandboxedKernelManager(parent=parent, kernel_name="python3")
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        return km

    @classmethod
    def discard(cls):
        km, cls._spare = cls._spare, None
        if km is not None:
            shut_down(km)
        KernelZygote.discard()


def shut_down(km):
    """Stop a kernel at once: graceful shutdown would only wait on student code."""
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # the kernel may already be gone; its resources are cleaned either way
        run_sync(km._async_cleanup_resources)()


def _read_child_pid(fd, timeout):
    """The host pid of the sandbox's first process, from bwrap's --info-fd JSON."""
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while selector.select(timeout):
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
            try:
                return int(json.loads(data)["child-pid"])
            except (ValueError, KeyError, TypeError):
                continue  # not all of it yet
    return None


atexit.register(KernelPool.discard)
