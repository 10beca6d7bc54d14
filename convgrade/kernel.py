"""A Jupyter kernel manager that starts the kernel inside the bubblewrap sandbox."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from .sandbox import Sandbox, remove_cgroup

INPUT_DIR = "/tmp/convgrade/input"
FONT_CACHE_DIR = "/tmp/convgrade/fonts"
# Copy the notebook's folder into the sandbox's private working folder, then start the kernel.
PRELUDE = ('cp -a "$CONVGRADE_INPUT"/. . && mkdir -p "$MPLCONFIGDIR" && '
           '{ cp -a "$CONVGRADE_FONTS"/. "$MPLCONFIGDIR" 2>/dev/null || true; } && exec "$@"')


class SandboxedKernelManager(AsyncKernelManager):
    """Start an ipykernel under bwrap, talking ZMQ over IPC sockets in a folder we share.

    TCP on loopback cannot cross into the sandbox's network namespace, so the kernel's
    sockets are Unix sockets in a folder bound into the sandbox. Interrupts go by message:
    a signal sent to bwrap would not reach the kernel.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sandbox = Sandbox(parent=self)
        self._ipc_dir = Path(tempfile.mkdtemp(prefix="convgrade-ipc-"))
        self.transport = "ipc"
        self.ip = str(self._ipc_dir / "kernel")
        self.connection_file = str(self._ipc_dir / "connection.json")
        self._cgroup = None

    async def _async_pre_start_kernel(self, **kw):
        self.sandbox.check_available()
        self.kernel_spec.interrupt_mode = "message"
        popen_kwargs, self._cgroup = self.sandbox.popen_kwargs()
        popen_kwargs.pop("start_new_session")  # jupyter_client sets it itself
        kw.update(popen_kwargs)
        # What the kernel prints outside Jupyter's channels goes nowhere, not to our terminal.
        kw.update(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        workdir = Path(self._launch_args.get("cwd") or ".").resolve()
        env = self.sandbox.base_env()
        env.update(CONVGRADE_INPUT=INPUT_DIR, CONVGRADE_FONTS=FONT_CACHE_DIR)
        if not self.sandbox.is_sandboxed:
            return command
        inputs = [(workdir, INPUT_DIR)]
        font_cache = self.sandbox.font_cache_dir()
        if font_cache:
            inputs.append((font_cache, FONT_CACHE_DIR))
        prefix = self.sandbox.bwrap_args(workdir, inputs=inputs,
                                         writable=[(self._ipc_dir, self._ipc_dir)], env=env)
        return prefix + ["/bin/sh", "-c", PRELUDE, "sh"] + command

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            remove_cgroup(self._cgroup)
            self._cgroup = None
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
