"""The bubblewrap sandbox every piece of student code runs in: what it sees, and its limits.

An allow-list: the sandbox's root is an empty tmpfs, and only what student code needs is
bound into it, read-only: the system's /usr (with /bin, /lib... as on the host), a few
files of /etc, the interpreter and its standard library, and the venv's site-packages
with the forbidden libraries hidden. Everything else of the host (home folders, the
course and any copy of it, /srv, /var, /opt, /sys, the base interpreter's own
site-packages) is simply absent. Writable: size-capped tmpfs folders only (/tmp with the
working folder and home, /dev/shm). A cgroup caps memory and processes of the whole
sandbox together.
"""

import functools
import importlib.metadata
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path

from traitlets import Bool, Enum, Integer, List, Unicode
from traitlets.config import LoggingConfigurable

from convgrade import course_folders
from convgrade.contract import FORBIDDEN
from convgrade.sandbox import syscall_filter

# The system folders bound read-only; on merged-usr systems most of them are symlinks.
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What of /etc the interpreter, numpy, matplotlib and ipykernel need: the dynamic linker's
# cache, time zone, user names, fonts; no secrets, no network configuration.
ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "passwd",
    "group",
    "nsswitch.conf",
    "alternatives",
    "fonts",
    "mime.types",
    "ssl/certs",
)
# Replaces the __init__.py of each forbidden package, for an import that says why it failed.
BLOCKED_PACKAGE_STUB = Path(__file__).with_name("blocked_package.py")
# Replaces the standard library's ctypes/__init__.py where ctypes is hidden (its C part,
# _ctypes, is emptied there): an import that works, and offers nothing.
CTYPES_STUB = Path(__file__).with_name("ctypes_stub.py")
CGROUP_ROOT = Path("/sys/fs/cgroup")
# Inside the sandbox: a private, writable, size-capped /tmp holding the home folder.
SANDBOX_TMP = "/tmp"
SANDBOX_HOME = "/tmp/convgrade/home"
SHM_MB = 16
HIDDEN_SIZE = 4096


class SandboxUnavailable(BaseException):
    """Raised when bubblewrap is missing or broken and the weaker mode was not chosen.

    A BaseException on purpose: nbgrader catches Exception per submission and moves on,
    but without a sandbox no submission may run at all, so the whole run must stop.
    """


class Sandbox(LoggingConfigurable):
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
        2048,
        help="Memory cap of one sandbox, all its processes and its tmpfs files together "
        "(memory cgroup), and the address-space cap of each process in it, in MiB.",
    ).tag(config=True)
    cpu_seconds = Integer(
        240,
        help="CPU-time cap of each sandboxed process (one submission's worker or kernel); "
        "above HiddenChecks.submission_budget, so the budget stops a slow worker first.",
    ).tag(config=True)
    max_processes = Integer(
        64, help="Cap on processes and threads in one sandbox (needs the pids cgroup)."
    ).tag(config=True)
    max_file_mb = Integer(64, help="Largest file a sandboxed process may write, in MiB.").tag(
        config=True
    )
    scratch_mb = Integer(
        256, help="Size of the writable /tmp (working folder and home), in MiB."
    ).tag(config=True)
    shm_mb = Integer(SHM_MB, help="Size of the writable /dev/shm, in MiB.").tag(config=True)
    extra_hidden_paths = List(
        Unicode(),
        help="Host folders to hide even when they lie inside a folder the sandbox shows "
        "(the system's /usr, the interpreter, the venv). Anything else is never shown.",
    ).tag(config=True)
    fork_kernels = Bool(
        True,
        help="Start each notebook's kernel as a fork of one prepared in a sandbox of its "
        "own (a zygote), with fresh namespaces, cgroup and limits, instead of as a new "
        "interpreter: about 0.06 s of CPU to start instead of 0.25 s. Needs "
        "bubblewrap 0.8.0 or later; without it, or with this off, kernels start one by one.",
    ).tag(config=True)
    require_process_cap = Bool(
        False,
        help="Refuse to run when the pids or memory cgroup is unavailable, instead of warning.",
    ).tag(config=True)

    _warned = set()

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
        if path in _working_bwraps:
            return
        probe = subprocess.run(
            [path, "--ro-bind", "/", "/", "--unshare-all", *self._no_user_namespaces(path), "true"],
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0:
            raise SandboxUnavailable(
                f"bubblewrap is installed but cannot start a sandbox here: {probe.stderr.strip()}"
            )
        _working_bwraps.add(path)

    def bwrap_args(
        self,
        workdir,
        *,
        inputs=(),
        writable=(),
        env=None,
        info_fd=None,
        seccomp_fd=None,
        hidden_packages=FORBIDDEN.hidden_packages,
        ctypes_shown=True,
        proc_shown=True,
        capabilities_kept=False,
    ):
        """The bwrap command-line prefix.

        Parameters
        ----------
        workdir : str
            Path of the sandbox's working folder, inside the size-capped /tmp (or a
            size-capped tmpfs of its own elsewhere).
        inputs : sequence of (host_path, sandbox_path)
            Read-only binds, e.g. the files a notebook needs.
        writable : sequence of (host_path, sandbox_path)
            Writable binds. Nothing in the grader uses them any more: a host folder cannot
            be size-capped. Kept for callers that bind a folder they made a tmpfs of.
        env : dict
            The whole environment of the sandboxed process.
        info_fd : int, optional
            A file descriptor bwrap writes {"child-pid": N} to.
        seccomp_fd : int, optional
            A file descriptor holding the system call filter (`syscall_filter_fd`).
        hidden_packages : tuple of str
            Installed packages to hide whole (a ForbiddenPolicy's ``hidden_packages``).
        ctypes_shown : bool
            False hides ctypes' C part and binds CTYPES_STUB over its package: for the
            process that checks the student's functions, where nothing may call C code by
            address. The kernel keeps it: the notebook's libraries may use it, and no
            point depends on what the kernel's code returns.
        proc_shown : bool
            False leaves /proc out. Through /proc/self/mem a process can write its own
            memory, and so bring back a routine that no Python name reaches any more; the
            process that checks the student's functions has no use for /proc.
        capabilities_kept : bool
            True keeps every capability (inside the sandbox's own user namespace) instead
            of dropping them all: only for the kernel zygote (convgrade/sandbox/zygote.py),
            which runs no student code and needs them to give each kernel it forks fresh
            namespaces and mounts; each fork drops them all before its kernel starts.
        """
        args = [shutil.which(self.bwrap_path) or self.bwrap_path]
        args += _system_binds()
        args += _python_binds(tuple(hidden_packages))
        if not ctypes_shown:
            args += _ctypes_hiding_binds()
        if proc_shown:
            args += ["--proc", "/proc"]
        args += ["--dev", "/dev"]
        args += ["--size", str(self.shm_mb << 20), "--tmpfs", "/dev/shm"]
        args += ["--size", str(self.scratch_mb << 20), "--tmpfs", SANDBOX_TMP]
        readonly = ["/dev"]
        workdir = str(workdir)
        if Path(workdir).is_relative_to(SANDBOX_TMP):
            args += ["--dir", workdir]
        else:
            args += ["--size", str(self.scratch_mb << 20), "--tmpfs", workdir]
        args += ["--dir", SANDBOX_HOME]
        for host, inside in inputs:
            args += ["--ro-bind", str(host), str(inside)]
        for host, inside in writable:
            args += ["--bind", str(host), str(inside)]
        for folder in self._hidden_inside_binds():
            args += ["--size", str(HIDDEN_SIZE), "--tmpfs", str(folder)]
            readonly.append(str(folder))
        # Only now, with every mount point created, make the root and /dev read-only: the
        # root tmpfs and /dev have no size cap, so nothing may be written there.
        for folder in ["/", *readonly]:
            args += ["--remount-ro", folder]
        args += ["--unshare-all", *self._no_user_namespaces(args[0])]
        args += [
            "--die-with-parent",
            "--new-session",
            "--cap-add" if capabilities_kept else "--cap-drop",
            "ALL",
            "--clearenv",
        ]
        if info_fd is not None:
            args += ["--info-fd", str(info_fd)]
        if seccomp_fd is not None:
            args += ["--seccomp", str(seccomp_fd)]
        for key, value in (env or {}).items():
            args += ["--setenv", key, str(value)]
        args += ["--chdir", workdir, "--"]
        return args

    def _no_user_namespaces(self, bwrap_path):
        """`bwrap_path`'s options that stop student code from making user namespaces of its own.

        In a user namespace of its own, code holds every capability over the namespaces it
        makes there: it can create a network namespace and configure netfilter, mount
        filesystems, and so reach parts of the kernel that an unprivileged process cannot,
        where local privilege escalations are found most often. No answer needs one.
        bubblewrap 0.8.0 added --disable-userns (which needs --unshare-user); an older one
        cannot do this, and grading says so once. check_available's probe uses the same
        options, so a bwrap that has them but cannot honour them stops grading, with its
        reason."""
        version = _bwrap_version(bwrap_path)
        if version is not None and version >= DISABLE_USERNS_VERSION:
            # Decided by version, never by a probe that can fail for other reasons: a bwrap
            # that has the option but cannot use it (setuid) fails to start, and says why.
            return ["--unshare-user", "--disable-userns"]
        if "user namespaces" not in Sandbox._warned:
            Sandbox._warned.add("user namespaces")
            self.log.warning(
                "%s cannot stop student code from making user namespaces of its own "
                "(--disable-userns needs bubblewrap 0.8.0 or later); student code can then "
                "reach more of the kernel. Upgrade bubblewrap to close this.",
                bwrap_path,
            )
        return []

    def syscall_filter_fd(self):
        """A new file descriptor holding the system call filter (convgrade/sandbox/
        syscall_filter.py), for bwrap_args' `seccomp_fd`; None where libseccomp cannot be
        loaded, and grading says so once. The caller passes it to bwrap and closes it."""
        try:
            return syscall_filter.filter_fd()
        except syscall_filter.FilterUnavailable as error:
            if "system calls" not in Sandbox._warned:
                Sandbox._warned.add("system calls")
                self.log.warning(
                    "No system call filter for student code: %s. Install libseccomp "
                    "(Debian: libseccomp2); the rest of the sandbox still applies.",
                    error,
                )
            return None

    def _hidden_inside_binds(self):
        """The course, its hidden checks, this grader's package and extra_hidden_paths, where a
        bound folder holds them (a course under /usr, the package in the venv's site-packages)."""
        candidates = [Path(p) for p in self.extra_hidden_paths] + [
            self.course_root,
            course_folders.course_root(self.config),
            course_folders.hidden_checks_dir(self.config),
            course_folders.PACKAGE_DIR,
        ]
        shown = _shown_roots()
        hidden = []
        for folder in dict.fromkeys(candidates):
            if folder.is_dir() and any(folder.is_relative_to(root) for root in shown):
                hidden.append(folder)
        return hidden

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
        """Keyword arguments for subprocess.Popen: limits, and a session of its own to kill.

        Returns the kwargs and the sandbox's cgroups (a tuple of folders, maybe empty),
        to be given to remove_cgroup when the sandbox is done.
        """
        cgroups = self.new_cgroups()
        limits = self.process_limits()
        return {
            "preexec_fn": (lambda: self.enter(cgroups, limits)) if self.is_sandboxed else None,
            "start_new_session": True,
        }, cgroups

    def process_limits(self, cpu=True):
        """The resource limits of a sandboxed process, {RLIMIT_...: value}; `cpu` False
        leaves CPU time unlimited (the kernel zygote, which lives as long as its grader)."""
        limits = {
            resource.RLIMIT_AS: self.memory_limit_mb << 20,
            resource.RLIMIT_FSIZE: self.max_file_mb << 20,
            resource.RLIMIT_CORE: 0,
        }
        if cpu:
            limits[resource.RLIMIT_CPU] = self.cpu_seconds
        return limits

    def fork_limits(self):
        """What a kernel forked from the zygote sets for itself (see zygote.py): its
        limits, and the sizes of its /tmp and /dev/shm, in bytes and seconds."""
        return {
            "memory": self.memory_limit_mb << 20,
            "cpu": self.cpu_seconds,
            "file": self.max_file_mb << 20,
            "scratch": self.scratch_mb << 20,
            "shm": self.shm_mb << 20,
        }

    @staticmethod
    def enter(cgroups, limits):
        """In a new process before it runs the sandbox (Popen's preexec_fn): join
        `cgroups`, set `limits` (`process_limits`)."""
        for cgroup in cgroups:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))
        for which, value in limits.items():
            hard = value + 5 if which == resource.RLIMIT_CPU else value
            resource.setrlimit(which, (value, hard))

    def stops_user_namespaces(self):
        """Whether this bubblewrap can stop sandboxed code from making user namespaces
        (--disable-userns, 0.8.0 or later): the kernel zygote's kept capabilities need it."""
        version = _bwrap_version(shutil.which(self.bwrap_path) or self.bwrap_path)
        return version is not None and version >= DISABLE_USERNS_VERSION

    def new_cgroups(self):
        """Fresh cgroups capping this sandbox's processes and memory: v1 or v2, as the host has."""
        if not self.is_sandboxed:
            return ()
        name = f"{_owner_tag()}-{uuid.uuid4().hex}"
        memory = self.memory_limit_mb << 20
        if (CGROUP_ROOT / "cgroup.controllers").is_file():  # cgroup v2: one tree
            return self._make_cgroup(
                "memory and process",
                CGROUP_ROOT / "convgrade",
                name,
                {"memory.max": memory, "memory.swap.max": 0, "pids.max": self.max_processes},
                controllers="+memory +pids",
            )
        return self._make_cgroup(
            "process", CGROUP_ROOT / "pids" / "convgrade", name, {"pids.max": self.max_processes}
        ) + self._make_cgroup(
            "memory",
            CGROUP_ROOT / "memory" / "convgrade",
            name,
            {"memory.limit_in_bytes": memory, "memory.memsw.limit_in_bytes": memory},
        )

    def _make_cgroup(self, what, parent, name, limits, controllers=None):
        cgroup = parent / name
        _sweep(parent)
        try:
            if controllers:
                for folder in (parent.parent, parent):
                    folder.mkdir(exist_ok=True)
                    (folder / "cgroup.subtree_control").write_text(controllers)
            cgroup.mkdir(parents=True)
            for key, value in limits.items():
                path = cgroup / key
                # memsw and swap files exist only with swap accounting on; skip them otherwise.
                if path.exists() or not key.startswith(("memory.memsw", "memory.swap")):
                    path.write_text(str(value))
            return (cgroup,)
        except OSError as error:
            remove_cgroup((cgroup,))
            if self.require_process_cap:
                raise SandboxUnavailable(f"cannot cap {what} use ({cgroup}: {error})") from None
            if what not in Sandbox._warned:
                Sandbox._warned.add(what)
                self.log.warning(
                    "No %s cap for the whole of a student's sandbox (cgroup %s: %s); the "
                    "per-process memory, CPU-time and wall-clock limits still apply.",
                    what,
                    parent,
                    error,
                )
            return ()


_swept = {}
# A cgroup's name: `_owner_tag` of the process that made it, then a random part.
OWNER_TAG = re.compile(r"(?P<namespace>\d+)\.(?P<pid>\d+)\.(?P<start>\d+)-[0-9a-f]+$")
# bwrap programs that started a sandbox in this process: probed once, not before every
# sandbox (a probe is a sandbox of its own, a hundredth of a second at each launch).
_working_bwraps = set()


# The first bubblewrap with --disable-userns.
DISABLE_USERNS_VERSION = (0, 8, 0)


@functools.cache
def _bwrap_version(bwrap_path):
    """(major, minor, patch) from `bwrap --version` ("bubblewrap 0.8.0"); None if unknown."""
    try:
        result = subprocess.run(
            [bwrap_path, "--version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", result.stdout)
    return tuple(map(int, found.groups())) if found else None


def _sweep(parent, every=60.0, older_than=120.0):
    """Remove cgroups left behind by grading processes that were killed before cleaning up.

    A cgroup whose owner (the grading process that made it, named in it by `_owner_tag`)
    is gone is emptied and removed: its sandbox outlived its grader (bubblewrap's
    --die-with-parent cannot catch a parent that dies while the sandbox is being set up),
    and nothing will ever read its results. Other cgroups (an owner still running, one in
    another PID namespace, an older name) go only once empty, and old, so that a cgroup made
    a moment ago for a process about to start stays.
    """
    now = time.time()
    if now - _swept.get(parent, 0.0) < every:
        return
    _swept[parent] = now
    try:
        folders = list(parent.iterdir())
    except OSError:
        return
    for folder in folders:
        try:
            if not folder.is_dir():
                continue
            if _owner_is_gone(folder.name):
                remove_cgroup((folder,))  # kills what is still in it first
            elif now - folder.stat().st_mtime > older_than:
                if not (folder / "cgroup.procs").read_text().strip():
                    folder.rmdir()
        except OSError:
            pass  # in use, or removed by someone else meanwhile


def _process_start(pid):
    """When process `pid` started (clock ticks after boot), or None if there is no such process.
    With the pid, it names one process for good: pids are reused, start times are not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # The command name (field 2) may hold spaces and parentheses: count from its end.
        return int(stat[stat.rindex(")") + 2 :].split()[19])  # field 22, starttime
    except (OSError, ValueError, IndexError):
        return None


def _pid_namespace():
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def _owner_tag():
    """This process, as a cgroup name's prefix: PID namespace, pid and start time (zeros
    where /proc cannot tell, which `_owner_is_gone` never judges)."""
    return f"{_pid_namespace()}.{os.getpid()}.{_process_start(os.getpid()) or 0}"


def _owner_is_gone(name):
    """Whether the cgroup `name` was made by a process of this PID namespace that has ended.
    False when it cannot tell (another namespace's pids mean nothing here; an older name)."""
    match = OWNER_TAG.match(name)
    if match is None or 0 in (int(match["namespace"]), int(match["start"])):
        return False
    if int(match["namespace"]) != _pid_namespace():
        return False
    return _process_start(int(match["pid"])) != int(match["start"])


def end_sandbox(process, cgroups):
    """Kill a sandbox started with subprocess.Popen (popen_kwargs: a session of its own) and
    everything in its cgroups, wait for it, and close the pipes to it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    for pipe in (process.stdin, process.stdout):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:  # unsent request bytes to a dead process: nothing to flush to
            pass
    remove_cgroup(cgroups)


def remove_cgroup(cgroups):
    """Remove a finished sandbox's cgroups; they must be empty, so kill stragglers first."""
    if not cgroups:
        return
    if isinstance(cgroups, Path):
        cgroups = (cgroups,)
    for cgroup in cgroups:
        deadline = time.monotonic() + 2.0
        while True:
            try:
                pids = (cgroup / "cgroup.procs").read_text().split()
            except OSError:
                break  # never made, or already gone
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except ProcessLookupError:
                    pass
            try:
                cgroup.rmdir()
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.001)  # killed processes take a few milliseconds to leave


# ---- what the sandbox shows ----------------------------------------------------------------
@functools.cache
def _system_binds():
    args = []
    for folder in SYSTEM_FOLDERS:
        path = Path(folder)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            args += ["--ro-bind", folder, folder]
    for entry in ETC_ENTRIES:
        path = Path("/etc") / entry
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return tuple(args)


def _symlink_chain(path):
    """Binds for `path` as the host resolves it: each symlink on the way, then the file."""
    args, seen = [], set()
    path = Path(os.path.abspath(path))
    while path.is_symlink() and path not in seen:
        seen.add(path)
        target = os.readlink(path)
        args += ["--symlink", target, str(path)]
        path = Path(os.path.normpath(path.parent / target))
    if not _under_system(path):
        args += ["--ro-bind", str(path), str(path)]
    return args


def _under_system(path):
    return any(Path(path).is_relative_to(f) for f in SYSTEM_FOLDERS if not Path(f).is_symlink())


def _site_folders():
    """(site-packages shown to students, other site folders of the system to hide)."""
    paths = sysconfig.get_paths()
    shown = list(dict.fromkeys(Path(paths[k]) for k in ("purelib", "platlib")))
    base_vars = {"base": sys.base_prefix, "platbase": sys.base_prefix}
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    others = [Path(sysconfig.get_path(k, vars=base_vars)) for k in ("purelib", "platlib")] + [
        Path("/usr/lib/python3/dist-packages"),
        Path(f"/usr/lib/python{version}/site-packages"),
        Path(f"/usr/lib/python{version}/dist-packages"),
        Path(f"/usr/local/lib/python{version}/dist-packages"),
        Path(f"/usr/local/lib/python{version}/site-packages"),
    ]
    hidden = [p for p in dict.fromkeys(others) if p.is_dir() and p not in shown]
    return [p for p in shown if p.is_dir()], hidden


@functools.cache
def _python_binds(hidden_packages):
    """The interpreter, its standard library and the venv's packages, minus `hidden_packages`."""
    args = list(_symlink_chain(sys.executable))
    libdir, soname = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME")
    if libdir and soname and (Path(libdir) / soname).exists():
        args += _symlink_chain(Path(libdir) / soname)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    if not _under_system(stdlib):
        args += ["--ro-bind", str(stdlib), str(stdlib)]
    readonly = []
    if sys.prefix != sys.base_prefix:
        config = Path(sys.prefix) / "pyvenv.cfg"
        args += ["--ro-bind", str(config), str(config)]
    shown, hidden = _site_folders()
    for folder in hidden:
        args += ["--size", str(HIDDEN_SIZE), "--tmpfs", str(folder)]
        readonly.append(str(folder))
    for site in shown:
        args += ["--ro-bind", str(site), str(site)]
        for entry in _editable_install_hooks(site):
            args += ["--ro-bind", "/dev/null", str(site / entry)]
        for entry in _forbidden_entries(site, hidden_packages):
            path = site / entry
            if path.is_dir() and not path.is_symlink():
                args += ["--size", str(HIDDEN_SIZE), "--tmpfs", str(path)]
                readonly.append(str(path))
                if entry in hidden_packages:
                    args += ["--ro-bind", str(BLOCKED_PACKAGE_STUB), str(path / "__init__.py")]
            elif path.exists() or path.is_symlink():
                args += ["--ro-bind", "/dev/null", str(path)]
    for folder in readonly:
        args += ["--remount-ro", folder]
    return tuple(args)


@functools.cache
def _ctypes_hiding_binds():
    """Binds that empty ctypes' C part (_ctypes, and its test module) and put CTYPES_STUB
    in place of the ctypes package's __init__.py."""
    args = []
    folders = {sysconfig.get_config_var("DESTSHARED"), sysconfig.get_paths()["platstdlib"]}
    folders |= {str(Path(f) / "lib-dynload") for f in list(folders) if f}
    for folder in sorted(f for f in folders if f and Path(f).is_dir()):
        for entry in sorted(Path(folder).glob("_ctypes*")):
            args += ["--ro-bind", "/dev/null", str(entry)]
    package = Path(sysconfig.get_paths()["stdlib"]) / "ctypes" / "__init__.py"
    if package.exists():
        args += ["--ro-bind", str(CTYPES_STUB), str(package)]
    return tuple(args)


@functools.cache
def _shown_roots():
    """Host folders visible in the sandbox, for deciding what else must be hidden there."""
    roots = [Path(f) for f in SYSTEM_FOLDERS if Path(f).is_dir() and not Path(f).is_symlink()]
    roots += [Path(sysconfig.get_paths()["stdlib"]), *_site_folders()[0]]
    return tuple(roots)


@functools.cache
def _editable_install_hooks(site):
    """Entries of `site` that hook an editable install (``pip install -e``) into every
    interpreter's start: a ``.pth`` file and the finder module it imports.

    An editable install's code stays in its own folder, which no sandbox shows, so inside a
    sandbox the hook finds nothing. It still ran in every kernel and every checks process
    (the grader itself is installed so in this repository): emptied, it saves a kernel about
    15 ms of CPU at start-up (measured: 0.475 s against 0.490 s, median of 20)."""
    return sorted(
        entry
        for entry in os.listdir(site)
        if entry.startswith("__editable__") and entry.endswith((".pth", "_finder.py"))
    )


@functools.cache
def _forbidden_entries(site, hidden_packages):
    """Top-level entries of `site` that belong to a hidden package: code, .libs, metadata."""
    site = Path(site)
    entries = set()
    for dist in importlib.metadata.distributions(path=[str(site)]):
        tops = {f.parts[0] for f in (dist.files or []) if f.parts and f.parts[0] != ".."}
        names = {t.split(".")[0].split("-")[0] for t in tops}
        top_level = dist.read_text("top_level.txt") or ""
        names |= set(top_level.split())
        if names & set(hidden_packages):
            entries |= tops
    for entry in os.listdir(site):
        stem = entry.split(".")[0].split("-")[0]
        if stem in hidden_packages:
            entries.add(entry)
    return sorted(e for e in entries if (site / e).exists() or (site / e).is_symlink())
