"""The bubblewrap sandbox every piece of student code runs in: what it sees, and its limits."""

import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import uuid
from pathlib import Path

from traitlets import Bool, Enum, Integer, List, Unicode
from traitlets.config import Configurable

# Folders that may hold other people's files or secrets. They are replaced by empty,
# read-only folders in the sandbox; the Python installation is then bound back in.
PRIVATE_FOLDERS = ("/tmp", "/var/tmp", "/home", "/root", "/run", "/srv", "/mnt", "/media", "/opt")
# Installed packages the assignment forbids; hiding them makes their import fail for real.
HIDDEN_PACKAGES = ("scipy", "cv2", "skimage", "torch", "tensorflow")
PIDS_CGROUP_ROOT = Path("/sys/fs/cgroup/pids")
# Inside the sandbox: a private, writable, size-capped home folder.
SANDBOX_HOME = "/tmp/convgrade/home"


class SandboxUnavailable(BaseException):
    """Raised when bubblewrap is missing or broken and the weaker mode was not chosen.

    A BaseException on purpose: nbgrader catches Exception per submission and moves on,
    but without a sandbox no submission may run at all, so the whole run must stop.
    """


class Sandbox(Configurable):
    """Builds the bwrap command line and resource limits for one sandboxed process."""

    mode = Enum(
        ["bwrap", "unsafe-no-sandbox"],
        "bwrap",
        help="'bwrap' runs student code in a bubblewrap sandbox. 'unsafe-no-sandbox' runs it "
        "with your own permissions: only for a machine without bubblewrap, and every "
        "grading run prints a warning.",
    ).tag(config=True)
    bwrap_path = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)
    memory_limit_mb = Integer(
        2048, help="Address-space cap of each sandboxed process, in MiB."
    ).tag(config=True)
    cpu_seconds = Integer(
        120, help="CPU-time cap of each sandboxed process (one submission's worker or kernel)."
    ).tag(config=True)
    max_processes = Integer(
        64, help="Cap on processes and threads in one sandbox (needs the pids cgroup)."
    ).tag(config=True)
    max_file_mb = Integer(64, help="Largest file a sandboxed process may write, in MiB.").tag(
        config=True
    )
    scratch_mb = Integer(256, help="Size of the writable scratch folder, in MiB.").tag(config=True)
    extra_hidden_paths = List(
        Unicode(), help="More host folders to hide from student code (course secrets elsewhere)."
    ).tag(config=True)
    require_process_cap = Bool(
        False, help="Refuse to run when the pids cgroup is unavailable, instead of warning."
    ).tag(config=True)

    _warned_no_cgroup = False

    def __init__(self, course_root=None, **kwargs):
        super().__init__(**kwargs)
        self.course_root = Path(course_root or os.getcwd()).resolve()

    @property
    def is_sandboxed(self):
        return self.mode == "bwrap"

    def check_available(self):
        """Raise SandboxUnavailable with a clear message unless bwrap runs here."""
        if not self.is_sandboxed:
            return
        path = shutil.which(self.bwrap_path)
        if path is None:
            raise SandboxUnavailable(
                "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. "
                "Install it with `apt-get install bubblewrap`, or set "
                "c.Sandbox.mode = 'unsafe-no-sandbox' in nbgrader_config.py to grade without "
                "a sandbox (student code can then read and change all your files)."
            )
        probe = subprocess.run(
            [path, "--ro-bind", "/", "/", "--unshare-all", "true"], capture_output=True, text=True
        )
        if probe.returncode != 0:
            raise SandboxUnavailable(
                f"bubblewrap is installed but cannot start a sandbox here: {probe.stderr.strip()}"
            )

    def _python_roots(self):
        roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parents[1]}
        return sorted(r.resolve() for r in roots)

    def bwrap_args(self, workdir, *, inputs=(), writable=(), env=None):
        """The bwrap command-line prefix.

        Parameters
        ----------
        workdir : str
            Path of the sandbox's working folder: a fresh, size-capped tmpfs.
        inputs : sequence of (host_path, sandbox_path)
            Read-only binds, e.g. the files a notebook needs.
        writable : sequence of (host_path, sandbox_path)
            Writable binds, e.g. the folder holding the kernel's IPC sockets.
        env : dict
            The whole environment of the sandboxed process.
        """
        args = [
            shutil.which(self.bwrap_path) or self.bwrap_path,
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
        ]
        hidden = [Path(p) for p in PRIVATE_FOLDERS + tuple(self.extra_hidden_paths)]
        # The course and this grader's own repository (hidden checks, reference) are secret.
        grader_root = Path(__file__).resolve().parents[1]
        hidden = [f for f in dict.fromkeys(hidden + [self.course_root, grader_root]) if f.exists()]
        for folder in hidden:
            args += ["--size", str(1 << 20), "--tmpfs", str(folder)]
        for root in self._python_roots():
            args += ["--ro-bind", str(root), str(root)]
        site_packages = Path(sysconfig.get_paths()["purelib"])
        forbidden = [site_packages / p for p in HIDDEN_PACKAGES if (site_packages / p).is_dir()]
        for folder in forbidden:
            args += ["--size", "4096", "--tmpfs", str(folder)]
        args += [
            "--size",
            str(self.scratch_mb << 20),
            "--tmpfs",
            str(workdir),
            "--size",
            str(64 << 20),
            "--tmpfs",
            SANDBOX_HOME,
        ]
        for host, inside in inputs:
            args += ["--ro-bind", str(host), str(inside)]
        for host, inside in writable:
            args += ["--bind", str(host), str(inside)]
        # Only now, with every mount point created, make the hiding folders read-only.
        for folder in hidden + forbidden:
            args += ["--remount-ro", str(folder)]
        args += [
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--clearenv",
        ]
        for key, value in (env or {}).items():
            args += ["--setenv", key, str(value)]
        args += ["--chdir", str(workdir), "--"]
        return args

    def font_cache_dir(self):
        """The host's matplotlib font cache, copied into each sandbox to skip rebuilding it."""
        import matplotlib

        cache = Path(matplotlib.get_cachedir())
        if not any(cache.glob("fontlist-*.json")):
            import matplotlib.font_manager  # noqa: F401 - importing it writes the cache
        return cache if any(cache.glob("fontlist-*.json")) else None

    def base_env(self, home=SANDBOX_HOME):
        """A small, clean environment: nothing of the grader's own leaks in."""
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "MPLCONFIGDIR": f"{home}/.matplotlib",
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "MALLOC_ARENA_MAX": "2",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NBGRADER_EXECUTION": "autograde",
        }

    def popen_kwargs(self):
        """Keyword arguments for subprocess.Popen: limits, and a session of its own to kill."""
        cgroup = self._new_pids_cgroup()
        limits = {
            resource.RLIMIT_AS: self.memory_limit_mb << 20,
            resource.RLIMIT_CPU: self.cpu_seconds,
            resource.RLIMIT_FSIZE: self.max_file_mb << 20,
            resource.RLIMIT_CORE: 0,
        }

        def apply_limits():
            if cgroup is not None:
                (cgroup / "cgroup.procs").write_text(str(os.getpid()))
            for which, value in limits.items():
                hard = value + 5 if which == resource.RLIMIT_CPU else value
                resource.setrlimit(which, (value, hard))

        return {
            "preexec_fn": apply_limits if self.is_sandboxed else None,
            "start_new_session": True,
        }, cgroup

    def _new_pids_cgroup(self):
        if not self.is_sandboxed:
            return None
        try:
            cgroup = PIDS_CGROUP_ROOT / "convgrade" / uuid.uuid4().hex
            cgroup.mkdir(parents=True)
            (cgroup / "pids.max").write_text(str(self.max_processes))
            return cgroup
        except OSError as error:
            if self.require_process_cap:
                raise SandboxUnavailable(f"cannot cap processes (pids cgroup): {error}") from None
            if not Sandbox._warned_no_cgroup:
                Sandbox._warned_no_cgroup = True
                self.log.warning(
                    "No process cap for student code (pids cgroup: %s); memory, "
                    "CPU time and wall-clock limits still apply.",
                    error,
                )
            return None


def remove_cgroup(cgroup):
    """Remove a finished sandbox's cgroup; it must be empty, so kill stragglers first."""
    if cgroup is None:
        return
    try:
        for pid in (cgroup / "cgroup.procs").read_text().split():
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
        cgroup.rmdir()
    except OSError:
        pass
