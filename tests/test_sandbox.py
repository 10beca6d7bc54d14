"""Does the real bubblewrap sandbox show only its allow-list, and do its caps cap?

Every test here runs real bwrap: either a Python snippet under Sandbox.bwrap_args (the
exact prefix the worker and the kernel use), the real check worker (StudentProcess), or a
real sandboxed Jupyter kernel (SandboxedKernelManager).
"""

import contextlib
import errno
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pyseccomp
import pytest
from jupyter_core.utils import run_sync
from support import REPO
from traitlets.config import Config

from convgrade.checks.failures import StudentCodeError
from convgrade.contract import Mistake
from convgrade.sandbox import bwrap, syscall_filter
from convgrade.sandbox.bwrap import Sandbox, remove_cgroup
from convgrade.sandbox.kernel import ReadyClient, SandboxedKernelManager, shut_down
from convgrade.sandbox.student_process import StudentProcess

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
BASE_SITE = Path(sysconfig.get_path("purelib", vars={"base": sys.base_prefix}))
VENV_SITE = Path(sysconfig.get_paths()["purelib"])


def run_sandboxed(code, sandbox=None, timeout=120, filtered=True):
    """Run `code` with the sandbox's interpreter inside the sandbox; return its JSON output.
    `filtered` False leaves out the system call filter, to show what it changes."""
    sandbox = sandbox or Sandbox()
    filter_fd = sandbox.syscall_filter_fd() if filtered else None
    command = sandbox.bwrap_args(
        "/tmp/convgrade/work", env=sandbox.base_env(), seccomp_fd=filter_fd
    )
    command += [sys.executable, "-I", "-c", textwrap.dedent(code)]
    kwargs, cgroups = sandbox.popen_kwargs()
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            pass_fds=(filter_fd,) if filter_fd is not None else (),
            **kwargs,
        )
    finally:
        remove_cgroup(cgroups)
        if filter_fd is not None:
            os.close(filter_fd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def started_kernel():
    """A real sandboxed grading kernel, ready, with its client; stopped afterwards."""
    km = SandboxedKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    kc = km.client()
    kc.start_channels()
    try:
        run_sync(kc.wait_for_ready)(timeout=60)
        yield kc
    finally:
        kc.stop_channels()
        shut_down(km)


# ---- what the sandbox shows ---------------------------------------------------------------
@pytest.fixture
def course_copies(tmp_path):
    """Copies of a course with a secret in it, in places a deny-list would not think of."""
    marker = f"secret-{uuid.uuid4().hex}"
    places = [tmp_path, Path("/srv"), Path("/var/lib"), Path("/opt"), Path("/mnt"), Path.home()]
    made = []
    for place in places:
        root = place / f"course-copy-{uuid.uuid4().hex[:8]}"
        (root / "tests" / "hidden" / "data").mkdir(parents=True)
        (root / "tests" / "hidden" / "data" / marker).write_text("hidden cases")
        (root / "gradebook.db").write_text(marker)
        made.append(root)
    yield marker, made
    for root in made:
        shutil.rmtree(root, ignore_errors=True)


def test_other_course_copies_and_the_course_are_invisible(course_copies):
    marker, roots = course_copies
    found = run_sandboxed(
        f"""
        import json, os
        hits = []
        for top, dirs, files in os.walk("/"):
            if top == "/proc":
                dirs.clear()
            hits += [os.path.join(top, f) for f in files
                     if f in ({marker!r}, "gradebook.db", "cases.npz", "reference.py")]
        paths = {[str(r) for r in roots] + [str(REPO / "convgrade"), str(REPO / "tests")]!r}
        print(json.dumps({{"hits": hits, "exists": [p for p in paths if os.path.exists(p)],
                          "repo": os.listdir({str(REPO)!r})}}))
        """
    )
    # Installed software ships files of those names (nbgrader's own tests); nothing else may.
    installed = (str(VENV_SITE), "/usr/")
    assert [h for h in found["hits"] if marker in h or not h.startswith(installed)] == []
    assert found["exists"] == [], found["exists"]
    # The venv lives in the repository, so its folder (and only that) leads there.
    assert found["repo"] == [".venv"]


def test_only_the_allow_list_of_the_host_is_visible():
    seen = run_sandboxed(
        """
        import json, os
        print(json.dumps({
            "root": sorted(os.listdir("/")),
            "etc": sorted(os.listdir("/etc")),
            "private": [p for p in ("/etc/shadow", "/etc/hosts", "/etc/resolv.conf", "/sys",
                                    "/home", "/var", "/srv", "/opt", "/run", "/boot")
                        if os.path.exists(p)],
            "root_home": os.listdir("/root") if os.path.isdir("/root") else [],
            "pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
            "env": sorted(os.environ),
        }))
        """
    )
    # The system folders, plus the first folder of each path the sandbox binds on purpose
    # (the venv, the interpreter): where a checkout lives differs from machine to machine.
    bound = {Path(p).resolve().parts[1] for p in (VENV_SITE, sys.executable, sys.base_prefix)}
    system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "dev", "proc", "tmp"}
    assert set(seen["root"]) <= system | bound, seen["root"]
    assert "shadow" not in seen["etc"]
    assert [p for p in seen["private"] if Path(p).parts[1] not in bound] == []
    # /root appears only as the path to the interpreter (pyenv), nothing else of it.
    assert set(seen["root_home"]) <= {".pyenv"}
    assert len(seen["pids"]) <= 3, "the host's processes are visible"
    # Nothing of the grader's environment: only what base_env sets (bwrap adds PWD).
    assert set(seen["env"]) <= set(Sandbox().base_env()) | {"PWD", "LC_CTYPE"}, seen["env"]


def test_nothing_outside_the_capped_folders_is_writable():
    sandbox = Sandbox(scratch_mb=32, shm_mb=8)
    written = run_sandboxed(
        """
        import json, os
        def fill(folder, chunk=4 << 20, limit=200 << 20):
            total, index = 0, 0
            try:
                while total < limit:
                    with open(os.path.join(folder, f"flood-{index}"), "wb") as f:
                        f.write(b"x" * chunk)
                    total += chunk
                    index += 1
            except OSError:
                pass
            return total >> 20
        places = ["/", "/dev", "/dev/shm", "/tmp", os.getcwd(), os.environ["HOME"], "/usr",
                  "/etc", os.path.dirname(os.__file__), "/work", "/root"]
        print(json.dumps({p: fill(p) for p in places}))
        """,
        sandbox,
    )
    assert written["/dev/shm"] <= 8
    assert written["/tmp"] + written["/tmp/convgrade/work"] + written["/tmp/convgrade/home"] <= 32
    others = {p: n for p, n in written.items() if not p.startswith(("/tmp", "/dev/shm"))}
    assert set(others.values()) == {0}, others


def test_network_is_unreachable():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        result = run_sandboxed(
            f"""
            import json, socket
            out = {{}}
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=3)
                out["connect"] = "connected"
            except OSError as error:
                out["connect"] = type(error).__name__
            try:
                socket.getaddrinfo("example.com", 80)
                out["dns"] = "resolved"
            except OSError as error:
                out["dns"] = type(error).__name__
            print(json.dumps(out))
            """
        )
    finally:
        server.close()
    assert result["connect"] != "connected" and result["dns"] != "resolved", result


# Run inside a sandbox: every route student code has to a user namespace of its own, each
# reported as "made" or the reason it failed. A user namespace gives its maker every
# capability over new network and mount namespaces: kernel attack surface no answer needs.
MAKE_USER_NAMESPACES = """
import ctypes, json, os, shutil, subprocess
CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS = 0x10000000, 0x40000000, 0x00020000
out = {}
libc = ctypes.CDLL(None, use_errno=True)
for name, flags in [("unshare user", CLONE_NEWUSER),
                    ("unshare user+net+mount", CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS)]:
    pid = os.fork()  # each try in a child: a namespace made here must not change the next try
    if pid == 0:
        os._exit(0 if libc.unshare(flags) == 0 else min(ctypes.get_errno(), 255))
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    out[name] = "made" if code == 0 else os.strerror(code)
for name, command in [("unshare(1)", ["unshare", "--user", "--net", "true"]),
                      ("bwrap", ["bwrap", "--unshare-user", "--ro-bind", "/", "/", "true"])]:
    if shutil.which(command[0]) is None:
        out[name] = "not installed"
        continue
    done = subprocess.run(command, capture_output=True, text=True)
    out[name] = "made" if done.returncode == 0 else (done.stderr.strip() or "failed")
print(json.dumps(out))
"""


# Each refused system call, made with zeros for arguments in a child process of its own:
# "ran", or the error it failed with. A refused one fails with ENOSYS, "Function not
# implemented"; in a sandbox without the filter they fail otherwise (no capability, bad
# arguments) or run.
REFUSED_NUMBERS = {
    name: pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)
    for name in syscall_filter.DENIED
    if pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name) >= 0
}
MAKE_REFUSED_CALLS = """
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
out = {}
for name, number in NUMBERS.items():
    pid = os.fork()
    if pid == 0:
        ran = libc.syscall(number, 0, 0, 0, 0, 0, 0) >= 0
        os._exit(0 if ran else min(ctypes.get_errno(), 255) or 255)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    out[name] = "ran" if code == 0 else os.strerror(code) if code > 0 else f"signal {-code}"
print(json.dumps(out))
"""
# i386's getpid through `int 0x80` (x86-64 machine code): the i386 table, outside the rules.
# Made from a second thread: the whole process must die, not only that thread.
OTHER_ARCHITECTURE_CALL = """
import ctypes, json, mmap, os, threading
code = bytes([0xB8, 0x14, 0, 0, 0, 0xCD, 0x80, 0xC3])  # mov eax, 20; int 0x80; ret
page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(code)
call = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
pid = os.fork()
if pid == 0:
    got = []
    thread = threading.Thread(target=lambda: got.append(call()))
    thread.start()
    thread.join(timeout=20)
    os._exit(0 if got == [os.getpid()] else 3 if thread.is_alive() else 4)
print(json.dumps({"status": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}))
"""


def _refused_calls(numbers):
    return MAKE_REFUSED_CALLS.replace("NUMBERS", repr(numbers))


def test_refused_system_calls_fail_as_not_implemented():
    """Every call the filter names fails with ENOSYS in a sandbox; without the filter they
    fail otherwise or run, so the filter is what refuses them."""
    assert len(REFUSED_NUMBERS) == len(syscall_filter.DENIED)  # no misspelled name
    not_implemented = os.strerror(errno.ENOSYS)
    unfiltered = run_sandboxed(_refused_calls(REFUSED_NUMBERS), filtered=False)
    assert any(result != not_implemented for result in unfiltered.values()), unfiltered
    inside = run_sandboxed(_refused_calls(REFUSED_NUMBERS))
    assert inside == dict.fromkeys(REFUSED_NUMBERS, not_implemented)
    allowed = run_sandboxed("import json, os; print(json.dumps(os.getpid()))")
    assert allowed > 0


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 machine code")
def test_a_system_call_through_another_architecture_kills_the_process():
    """The rules are for this architecture's table; a call through i386's is not let
    through unfiltered: it kills the process, every thread of it."""
    host = subprocess.run(
        [sys.executable, "-I", "-c", OTHER_ARCHITECTURE_CALL], capture_output=True, text=True
    )
    assert json.loads(host.stdout) == {"status": 0}, host.stderr  # the host runs it
    assert run_sandboxed(OTHER_ARCHITECTURE_CALL) == {"status": -signal.SIGSYS}


# Sockets of each family, then the raw system call with bits above the 32 that the kernel
# reads (x86-64 numbering): "open", or the error. socket(2) and socketpair(2) both.
SOCKET_FAMILIES = """
import ctypes, json, os, platform, socket
out = {}
tries = {
    "unix": (socket.AF_UNIX, socket.SOCK_STREAM, 0),
    "inet": (socket.AF_INET, socket.SOCK_STREAM, 0),
    "inet6": (socket.AF_INET6, socket.SOCK_DGRAM, 0),
    "netlink": (socket.AF_NETLINK, socket.SOCK_RAW, 0),
    "packet": (17, socket.SOCK_RAW, 0),
    "key": (15, socket.SOCK_RAW, 2),
    "rds": (21, socket.SOCK_SEQPACKET, 0),
    "can": (29, socket.SOCK_RAW, 1),
    "tipc": (30, socket.SOCK_RDM, 0),
    "alg": (38, socket.SOCK_SEQPACKET, 0),
    "vsock": (40, socket.SOCK_STREAM, 0),
    "xdp": (44, socket.SOCK_RAW, 0),
}
for name, (family, kind, protocol) in tries.items():
    try:
        socket.socket(family, kind, protocol).close()
        out[name] = "open"
    except OSError as error:
        out[name] = error.strerror
    try:
        for end in socket.socketpair(family, socket.SOCK_STREAM):
            end.close()
        out[name + " pair"] = "open"
    except OSError as error:
        out[name + " pair"] = error.strerror
if platform.machine() == "x86_64":
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(41, ctypes.c_long((1 << 32) | 40), socket.SOCK_STREAM, 0)
    out["vsock, high bits set"] = "open" if fd >= 0 else os.strerror(ctypes.get_errno())
print(json.dumps(out))
"""


def test_only_unix_inet_and_netlink_sockets_can_be_made():
    """Rare address families reach kernel code (and may load its module) that the sandbox's
    empty network namespace does not confine; vsock reaches a virtual machine's host. They
    fail as unsupported; the families Python, ZeroMQ and the C library use still open."""
    inside = run_sandboxed(SOCKET_FAMILIES)
    allowed = ("unix", "inet", "inet6", "netlink")
    assert [inside[name] for name in (*allowed, "unix pair")] == ["open"] * 5, inside
    unsupported = os.strerror(errno.EAFNOSUPPORT)
    refused = {n: result for n, result in inside.items() if n.split(" ")[0] not in allowed}
    assert len(refused) == 17 and set(refused.values()) == {unsupported}, refused
    # The filter is what refuses: without it, packet sockets fail for want of a capability
    # (and on a virtual machine, vsock ones open).
    unfiltered = run_sandboxed(SOCKET_FAMILIES, filtered=False)
    assert unfiltered["packet"] != unsupported, unfiltered


def test_without_libseccomp_the_sandbox_runs_unfiltered_and_warns_once(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # its import fails, as without it
    monkeypatch.setattr(Sandbox, "_warned", set())
    syscall_filter._compile.cache_clear()
    try:
        with caplog.at_level("WARNING"):
            assert Sandbox().syscall_filter_fd() is None
            assert Sandbox().syscall_filter_fd() is None
        assert run_sandboxed("import json; print(json.dumps('ran'))") == "ran"
    finally:
        syscall_filter._compile.cache_clear()  # later sandboxes make the real filter again
    warnings = [r.getMessage() for r in caplog.records if "system call filter" in r.getMessage()]
    assert len(warnings) == 1 and "libseccomp2" in warnings[0], warnings


def test_student_code_cannot_make_user_namespaces():
    """Neither the system call nor the programs under /usr that make one (unshare, bwrap
    itself) can give student code a user namespace: bwrap's --disable-userns. On the host,
    outside the sandbox, the same code does make them, so the test cannot pass vacuously."""
    host = subprocess.run(
        [sys.executable, "-I", "-c", MAKE_USER_NAMESPACES], capture_output=True, text=True
    )
    assert host.returncode == 0, host.stderr
    routes = json.loads(host.stdout.strip().splitlines()[-1])
    assert routes["unshare user"] == "made", routes
    assert shutil.which("unshare") and routes["unshare(1)"] == "made", routes
    inside = run_sandboxed(MAKE_USER_NAMESPACES)
    assert set(inside) == set(routes)
    assert "made" not in inside.values(), inside


@pytest.mark.e2e
def test_a_grading_kernel_cannot_make_user_namespaces_or_refused_calls():
    """The same in a real grading kernel, the process that runs every notebook cell."""
    printed = []
    with started_kernel() as kc:
        replies = [
            run_sync(kc.execute_interactive)(
                code,
                timeout=120,
                output_hook=lambda m: printed.append(m["content"].get("text", "")),
            )
            for code in (MAKE_USER_NAMESPACES, _refused_calls(REFUSED_NUMBERS))
        ]
    assert [r["content"]["status"] for r in replies] == ["ok", "ok"], replies
    namespaces, calls = map(json.loads, "".join(printed).strip().splitlines()[-2:])
    assert namespaces["unshare user"] != "made" and "made" not in namespaces.values(), namespaces
    assert set(calls.values()) == {os.strerror(errno.ENOSYS)}, calls


def test_a_checks_process_runs_under_the_filter_with_no_route_to_its_bypasses():
    """The process that calls the student's functions for the hidden checks has the system
    call filter too. It has no ctypes to make a raw call with, and starts no program (such
    as unshare or bwrap), so the filter shows through a socket: AF_PACKET, which fails with
    EPERM for want of a capability where no filter runs, fails with EAFNOSUPPORT."""
    source = """
import errno, os, socket, subprocess
import numpy as np

def tries(image):
    out = []
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        out.append(0)
    except OSError as error:
        out.append(error.errno)
    for attempt in (lambda: __import__("ctypes").CDLL(None),
                    lambda: subprocess.run(["unshare", "--user", "true"]),
                    lambda: open("/proc/self/mem", "rb")):
        try:
            attempt()
            out.append(1)
        except Exception:
            out.append(0)
    return np.array(out)
"""
    cells = [{"index": 0, "source": source, "answer": True, "label": "probe cell"}]
    process = StudentProcess(cells, call_timeout=60.0, budget=120.0).start()
    try:
        probes = process.call("tries", np.ones((3, 3))).value.array.tolist()
    finally:
        process.close()
    assert probes == [errno.EAFNOSUPPORT, 0, 0, 0]
    unfiltered = run_sandboxed(
        """
        import json, socket
        try:
            socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            print(json.dumps(0))
        except OSError as error:
            print(json.dumps(error.errno))
        """,
        filtered=False,
    )
    assert unfiltered != errno.EAFNOSUPPORT, unfiltered


def _fake_bwrap(folder, version, refuses_disable_userns):
    """A stand-in bwrap: prints `version`, fails on --disable-userns if told to (bubblewrap
    0.6 refuses an option it does not know; a setuid 0.8 cannot honour it), runs the rest."""
    fake = folder / f"bwrap-{version}"
    refuse = (
        'case "$*" in *--disable-userns*) echo "bwrap: cannot --disable-userns" >&2; '
        "exit 1;; esac\n"
    )
    fake.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = --version ]; then echo "bubblewrap {version}"; exit 0; fi\n'
        + (refuse if refuses_disable_userns else "")
    )
    fake.chmod(0o755)
    return str(fake)


def test_a_bwrap_without_disable_userns_still_runs_and_warns_once(tmp_path, monkeypatch, caplog):
    """bubblewrap before 0.8.0 has no --disable-userns: the sandbox is built without it (bwrap
    would refuse an option it does not know) and grading says once what that leaves open."""
    old = _fake_bwrap(tmp_path, "0.6.1", refuses_disable_userns=True)
    monkeypatch.setattr(Sandbox, "_warned", set())
    with caplog.at_level("WARNING"):
        for _ in range(2):
            Sandbox(bwrap_path=old).check_available()
            args = Sandbox(bwrap_path=old).bwrap_args("/tmp/convgrade/work")
            assert "--disable-userns" not in args and "--unshare-user" not in args
    warnings = [r.getMessage() for r in caplog.records if "user namespaces" in r.getMessage()]
    assert len(warnings) == 1 and "0.8.0" in warnings[0], warnings
    current = Sandbox().bwrap_args("/tmp/convgrade/work")
    assert current.index("--disable-userns") == current.index("--unshare-user") + 1


def test_a_bwrap_that_has_disable_userns_but_cannot_use_it_stops_grading(tmp_path):
    """Version 0.8 or later always gets the option: a sandbox that cannot have it does not
    start (a setuid bwrap, say), and the probe says why, rather than quietly dropping it."""
    setuid_like = _fake_bwrap(tmp_path, "0.8.0", refuses_disable_userns=True)
    args = Sandbox(bwrap_path=setuid_like).bwrap_args("/tmp/convgrade/work")
    assert "--disable-userns" in args
    with pytest.raises(bwrap.SandboxUnavailable, match="cannot --disable-userns"):
        Sandbox(bwrap_path=setuid_like).check_available()


# ---- caps ------------------------------------------------------------------------------------
def test_memory_cap_holds_across_children():
    """RLIMIT_AS is per process; the cgroup caps the sandbox's processes together."""
    sandbox = Sandbox(memory_limit_mb=2048)
    cgroups = sandbox.new_cgroups()
    remove_cgroup(cgroups)
    if not any(c.parent.parent.name == "memory" or (c / "memory.max").exists() for c in cgroups):
        pytest.skip("this host has no writable memory cgroup")
    held = run_sandboxed(
        """
        import json, os, time
        children = []
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                hoard = b"x" * (1 << 30)  # 1 GiB, written, so resident
                time.sleep(4)
                os._exit(0)
            children.append(pid)
        statuses = [os.waitpid(pid, 0)[1] for pid in children]
        print(json.dumps({"held": sum(s == 0 for s in statuses)}))
        """,
        sandbox,
    )
    assert held["held"] < 3
    assert held["held"] >= 1  # the cap is 2 GiB: it is not zero either


def test_cgroups_are_removed_afterwards():
    sandbox = Sandbox()
    kwargs, cgroups = sandbox.popen_kwargs()
    assert cgroups, "no cgroup could be made here"
    command = sandbox.bwrap_args("/tmp/convgrade/work", env=sandbox.base_env()) + ["sleep", "60"]
    process = subprocess.Popen(command, **kwargs)
    remove_cgroup(cgroups)  # kills what is left in it, then removes it
    assert process.wait(timeout=10) != 0
    assert not any(c.exists() for c in cgroups)


# ---- forbidden libraries --------------------------------------------------------------------
HOSTILE = """
import glob, importlib.util, os, sys
import numpy as np

def clear_blockers():
    sys.meta_path[:] = [f for f in sys.meta_path if isinstance(f, type)]  # the standard ones
    for name in [n for n in sys.modules if n.split(".")[0] == "scipy"]:
        del sys.modules[name]

def scipy_after_clearing(image):
    clear_blockers()
    import scipy.signal
    return scipy.signal.correlate2d(image, np.ones((1, 1)))

def scipy_by_path(image):
    clear_blockers()
    candidates = ["@BASE@/scipy/__init__.py", "@VENV@/scipy/__init__.py"]
    for entry in sys.path + glob.glob("/usr/*lib/python3*/*-packages"):
        candidates += glob.glob(os.path.join(entry, "scipy", "__init__.py"))
    for root in ("/root", "/work", "/opt", "/tmp", "/srv", "/home"):
        candidates += glob.glob(root + "/**/scipy/__init__.py", recursive=True)
    error = ImportError("no scipy anywhere")
    for path in candidates:
        if not os.path.exists(path):
            continue
        try:
            spec = importlib.util.spec_from_file_location("scipy", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules["scipy"] = module
            spec.loader.exec_module(module)
            import scipy.signal
            return scipy.signal.correlate2d(image, np.ones((1, 1)))
        except Exception as caught:
            error = caught
    raise error

def honest(image):
    import io, os, threading
    from collections import namedtuple
    import imageio.v3 as iio
    import matplotlib.pyplot as plt
    from tqdm.auto import tqdm  # imports asyncio, which makes coroutines with code.replace
    for _ in tqdm(range(2), disable=True):
        pass
    figure = plt.figure()
    plt.imshow(np.ones((2, 2)))  # a student's look at the result, inside a graded function
    plt.close(figure)
    buffer = io.BytesIO()
    iio.imwrite(buffer, np.full((2, 2), 4, np.uint8), extension=".png")
    picture = iio.imread(buffer.getvalue())
    Point = namedtuple("Point", "x y", defaults=(3.0,))
    spectrum = np.fft.fft(np.ones(4)).real
    draws = np.random.default_rng(0).random(2)
    done = []
    thread = threading.Thread(target=lambda: done.append(1.0))
    thread.start()
    thread.join()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return np.array([picture[0, 0], spectrum[0], Point(1.0).y, float(status),
                     done[0] if draws.size == 2 else 0.0])

def every_original(gc, a, k):
    # whatever the garbage collector still knows by those names: call each
    error = None
    for found in gc.get_objects():
        if getattr(found, "__name__", "") in ("convolve", "correlate", "correlate2"):
            try:
                return found(a, k)
            except Exception as caught:
                error = caught
    raise error

def alias(image, which):
    import gc, importlib
    a, k = image.ravel(), np.ones(2)
    routes = {
        0: lambda: np.convolve(a, k),
        1: lambda: np.correlate(a, k),
        2: lambda: np._core.numeric.correlate(a, k),
        3: lambda: vars(np._core.numeric)["correlate"](a, k),
        4: lambda: np._core.multiarray.correlate2(a, k, 0),
        5: lambda: np._core._multiarray_umath.correlate(a, k, 0),
        6: lambda: np._core.umath.correlate2(a, k, 0),
        7: lambda: np.__dict__["conv" + "olve"](a, k),
        8: lambda: np.ma.convolve(a, k),
        9: lambda: np.polynomial.polynomial.polymul(a, k),
        10: lambda: every_original(gc, a, k),
        11: lambda: importlib.reload(np._core.numeric).correlate(a, k),
        12: lambda: (sys.modules.pop("numpy._core.multiarray"),
                     importlib.import_module("numpy._core.multiarray").correlate(a, k, 0)),
        **{13 + n: lambda n=n: elsewhere(n, a, k) for n in range(ELSEWHERE)},
    }
    return routes[int(which.ravel()[0])]()

# Routes to numpy's routines outside this process's block: another interpreter, a second
# copy of numpy's C core, C calls by address, sub-interpreters. Each must fail.
CHILD = "import numpy as np, sys; print(np.convolve([1.0, 2.0], [1.0, 1.0]))"

def fresh_core(name, path=None):
    core = np._core._multiarray_umath
    if path is not None:
        import shutil
        shutil.copy(core.__file__, path)
    spec = importlib.util.spec_from_file_location(name, path or core.__file__)
    return importlib.util.module_from_spec(spec).correlate2

def guard():
    import gc
    return next(o for o in gc.get_objects() if getattr(o, "__name__", "") == "native_code_guard")

def elsewhere(n, a, k):
    import os, subprocess
    if n == 0:
        return subprocess.run([sys.executable, "-c", CHILD], check=True).returncode
    if n == 1:
        import _posixsubprocess
        return _posixsubprocess.fork_exec(
            [sys.executable, "-c", CHILD], [sys.executable.encode()], True, (), None, None,
            -1, -1, -1, -1, -1, -1, -1, -1, True, False, -1, None, None, None, -1, None, False)
    if n == 2:
        os.execv(sys.executable, [sys.executable, "-c", CHILD])
    if n == 3:
        return os.posix_spawn(sys.executable, [sys.executable, "-c", CHILD], {})
    if n == 4:
        return os.system(f"{sys.executable} -c 'pass'")
    if n == 5:
        return fresh_core(np._core._multiarray_umath.__name__)(a, k, 0)
    if n == 6:
        return fresh_core("copy._multiarray_umath", "/tmp/renamed.so")(a, k, 0)
    if n == 7:
        import ctypes
        return ctypes.pythonapi.PyModule_GetDef
    if n == 8:
        import ctypes
        return ctypes.CFUNCTYPE(ctypes.c_int)(id(a))()
    if n == 9:
        import _ctypes
        return _ctypes.dlopen(None)
    if n == 10:
        import _xxsubinterpreters
        return _xxsubinterpreters.create()
    if n == 11:
        import _testcapi
        return _testcapi.run_in_subinterp(CHILD)
    if n == 12:
        guard().__code__ = (lambda event, args: None).__code__
    if n == 13:
        guard().__defaults__ = (str, type, lambda *_: False, str.rpartition, ValueError, "", None)
    if n == 14:
        import cffi
        return cffi.FFI().dlopen(None)
    if n in (15, 16):  # names CPython rewrites to the same PyInit_ function (red team)
        name = "copy._multiarray-umath" if n == 15 else "_multiarray_umath\\0x"
        return fresh_core(name)(a, k, 0)
    if n == 17:  # a fresh _posixsubprocess has the original fork_exec
        import _posixsubprocess
        spec = importlib.util.spec_from_file_location("x.-posixsubprocess",
                                                      _posixsubprocess.__file__)
        return importlib.util.module_from_spec(spec).fork_exec
    if n == 18:  # Pillow's filters are convolutions in C; the import blocker removed first
        clear_blockers()
        from PIL import Image, ImageFilter
        return Image.new("L", (4, 4)).filter(ImageFilter.Kernel((3, 3), [1] * 9))
ELSEWHERE = 19
"""
ALIASES = 13 + 19


@pytest.fixture(scope="module")
def hostile_worker(request):
    source = HOSTILE.replace("@BASE@", str(BASE_SITE)).replace("@VENV@", str(VENV_SITE))
    cells = [{"index": 0, "source": source, "answer": True, "label": "hostile cell"}]
    process = StudentProcess(cells, call_timeout=20.0, budget=300.0).start()
    request.addfinalizer(process.close)
    return process


def test_scipy_is_on_the_host_so_the_next_tests_mean_something():
    assert (VENV_SITE / "scipy" / "__init__.py").exists() or (BASE_SITE / "scipy").exists()


@pytest.mark.parametrize("function", ["scipy_after_clearing", "scipy_by_path"])
def test_scipy_is_unreachable_even_without_the_import_blocker(hostile_worker, function):
    with pytest.raises(StudentCodeError, match="ImportError|not allowed|no scipy"):
        hostile_worker.call(function, np.ones((3, 3)))


@pytest.mark.parametrize("route", range(ALIASES))
def test_numpy_routines_are_blocked_under_every_alias(hostile_worker, route):
    with pytest.raises(StudentCodeError) as raised:
        hostile_worker.call("alias", np.arange(5.0), np.array([route]))
    assert raised.value.misconception is Mistake.LIBRARY_ROUTINE, str(raised.value)
    assert hostile_worker.forbidden_calls, "the forbidden call was not recorded"


def test_the_checks_process_still_runs_what_answers_use(hostile_worker):
    """The block on routes around it leaves what honest answers and the lesson's libraries
    use: imageio (which imports ctypes), matplotlib (which tries fc-list, refused, and
    copes), numpy's lazily loaded C parts, namedtuples (their defaults are set on a
    function), threads, a forked child."""
    value = hostile_worker.call("honest", np.arange(4.0)).value.array
    assert value.tolist() == [4.0, 4.0, 3.0, 0.0, 1.0], value


@pytest.mark.e2e
def test_the_kernel_keeps_ctypes():
    """Only the checks process, where points are decided, loses ctypes: the kernel runs
    the notebook's own libraries as they are."""
    printed = []
    with started_kernel() as kc:
        reply = run_sync(kc.execute_interactive)(
            "import ctypes; print(ctypes.sizeof(ctypes.c_int))",
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
    assert reply["content"]["status"] == "ok" and "".join(printed).strip() == "4", printed


def test_the_grader_package_is_not_in_the_sandbox():
    seen = run_sandboxed(
        """
        import importlib, json
        found = []
        names = ("convgrade.checks.reference", "convgrade.sandbox.inside",
                 "convgrade.checks.runner")
        for name in names:
            try:
                importlib.import_module(name)
                found.append(name)
            except ImportError:
                pass
        print(json.dumps({"importable": found}))
        """
    )
    # The venv's editable-install finder still names the package, but no file of it is there.
    assert seen == {"importable": []}


# ---- the kernel -------------------------------------------------------------------------------
@pytest.mark.e2e
def test_the_kernel_client_is_ready_without_waiting_for_a_quiet_iopub():
    """ReadyClient returns once kernel_info is answered and IOPub carries its first status
    message: the rest (the idle status) is left unread, where jupyter_client would wait for
    0.2 s of silence. The first cell's output still arrives, and stale messages are not
    taken for a cell's."""
    km = SandboxedKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    kc = km.client()
    kc.start_channels()
    try:
        assert isinstance(kc, ReadyClient)
        run_sync(kc.wait_for_ready)(timeout=60)
        left = run_sync(kc.iopub_channel.get_msg)(timeout=5)
        if left["msg_type"] == "iopub_welcome":
            # ipykernel 7 greets each subscriber; on a busy machine the greeting can come
            # after the request's busy status. It has no parent, so no cell takes it.
            left = run_sync(kc.iopub_channel.get_msg)(timeout=5)
        assert (left["msg_type"], left["content"]) == ("status", {"execution_state": "idle"})
        run_sync(kc.wait_for_ready)(timeout=60)  # leaves that request's idle status unread
        printed = []
        reply = run_sync(kc.execute_interactive)(
            "print('first output')",
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok"
        assert "".join(printed) == "first output\n"
    finally:
        kc.stop_channels()
        shut_down(km)


def test_the_kernel_starts_without_the_debugger_or_install_hooks():
    """A grading kernel does not load debugpy (a third of a kernel's start-up, once per
    submission): it says it has no debugger, and neither debugpy nor its bundled pydevd
    was imported. debugpy is installed on the host (ipykernel depends on it). Nor does it
    run an editable install's start-up hook (this repository's own `pip install -e`), whose
    code no sandbox shows anyway."""
    assert shutil.which("bwrap") and (VENV_SITE / "debugpy").is_dir()
    assert list(VENV_SITE.glob("__editable__*.pth")), "make setup installs convgrade editable"
    printed = []
    with started_kernel() as kc:
        request = kc.kernel_info()
        info = run_sync(kc.shell_channel.get_msg)(timeout=60)
        while info["parent_header"].get("msg_id") != request:
            info = run_sync(kc.shell_channel.get_msg)(timeout=60)
        reply = run_sync(kc.execute_interactive)(
            "import sys; print(sorted(m for m in {m.split('.')[0] for m in sys.modules} "
            "if m in {'debugpy', '_pydevd_bundle', 'pydevd'} or m.startswith('__editable__')))",
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
    assert info["content"]["status"] == "ok"
    assert "debugger" not in info["content"].get("supported_features", [])
    assert reply["content"]["status"] == "ok"
    assert "".join(printed) == "[]\n"


@pytest.mark.e2e
def test_kernel_runs_the_lesson_libraries_and_its_ipc_folder_is_capped():
    km = SandboxedKernelManager(kernel_name="python3")
    km.sandbox.scratch_mb = 32
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    kc = km.client()
    kc.start_channels()
    outputs = []

    def run(code):
        outputs.clear()
        reply = run_sync(kc.execute_interactive)(
            code, timeout=120, output_hook=lambda m: outputs.append(m["content"].get("text", ""))
        )
        return reply["content"]["status"], "".join(outputs)

    try:
        run_sync(kc.wait_for_ready)(timeout=60)
        host_folder = km._ipc_dir
        before = sorted(p.name for p in host_folder.rglob("*"))
        status, text = run(
            textwrap.dedent(
                """
            import json, os, sys, numpy as np, matplotlib.pyplot as plt, imageio.v3 as iio
            plt.plot([1, 2]); plt.savefig("plot.png")
            iio.imwrite("gray.png", np.zeros((4, 4), np.uint8)); iio.imread("gray.png")
            folder = os.path.dirname([a for a in sys.argv if a.endswith(".json")][0])
            written = {}
            places = [folder, os.path.join(folder, "input"), "/tmp/convgrade/ipc"]
            for place in places:
                total = 0
                try:
                    for index in range(200):
                        with open(os.path.join(place, f"flood-{index}"), "wb") as f:
                            f.write(b"x" * (4 << 20))
                        total += 4
                except OSError:
                    pass
                written[place] = total
            for place in written:
                for name in os.listdir(place):
                    if name.startswith("flood-"):
                        os.remove(os.path.join(place, name))
            print(json.dumps([written[p] for p in places]))
            """
            )
        )
        assert status == "ok", text
        written = json.loads(text.strip().splitlines()[-1])
        # A forked kernel's connection file is in its own capped /tmp, with the sockets.
        assert written[1] == 0 and written[0] + written[2] <= 32, written
        assert written[0] == 0 or km.zygote is not None, written
        assert sorted(p.name for p in host_folder.rglob("*")) == before
        # The kernel survived the flood and still answers.
        assert run("print(6 * 7)") == ("ok", "42\n")
    finally:
        kc.stop_channels()
        shut_down(km)
    assert not host_folder.exists()


@pytest.mark.e2e
def test_a_killed_kernel_is_waited_for_in_milliseconds_not_tenths(monkeypatch):
    """jupyter_client checks whether a killed kernel is gone every 0.1 s, so each notebook's
    shutdown cost a tenth of a second of waiting; the sandboxed manager checks every
    KILL_POLL_SECONDS. The kernel is really killed, its cgroup and folder removed."""
    import asyncio

    from jupyter_client import manager

    from convgrade.sandbox.kernel import KILL_POLL_SECONDS

    waits = []
    real_sleep = asyncio.sleep

    async def noted_sleep(seconds, *args):
        waits.append(seconds)
        return await real_sleep(seconds, *args)

    monkeypatch.setattr(manager.asyncio, "sleep", noted_sleep)
    km = SandboxedKernelManager(kernel_name="python3")
    answers = iter([True, True, False])

    async def alive_twice():
        return next(answers)

    monkeypatch.setattr(km, "_async_is_alive", alive_twice)
    run_sync(km._async_wait)()
    assert waits == [KILL_POLL_SECONDS] * 2
    km._ipc_folder.close()

    waits.clear()
    km = SandboxedKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    host_folder, cgroups = km._ipc_dir, km._cgroup
    shut_down(km)
    # Never jupyter_client's 0.1 s; its own 0.01 s pause after a shutdown (in_pending_state)
    # stays.
    assert max(waits) <= 0.01, waits
    assert not run_sync(km.is_alive)()
    assert not host_folder.exists()
    assert not any(cgroup.exists() for cgroup in cgroups or ())


def test_bwrap_is_probed_once_per_process_and_a_failing_one_every_time(monkeypatch, tmp_path):
    """A bwrap that started a sandbox is not probed again before each sandbox (the probe is a
    sandbox of its own); one that failed is, so each launch still says why it cannot run."""
    probes = []
    real_run = subprocess.run

    def counted_run(command, *args, **kwargs):
        if command[-1] == "true":  # a probe sandbox, not `bwrap --version`
            probes.append(command[0])
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(bwrap, "_working_bwraps", set())
    monkeypatch.setattr(bwrap.subprocess, "run", counted_run)
    for _ in range(3):
        Sandbox().check_available()
    assert probes == [shutil.which("bwrap")]
    refusing = Sandbox(bwrap_path=shutil.which("false"))
    for _ in range(2):
        with pytest.raises(bwrap.SandboxUnavailable, match="cannot start a sandbox"):
            refusing.check_available()
    assert probes[1:] == [shutil.which("false")] * 2


def test_cgroup_v2_gets_memory_and_process_caps(tmp_path, monkeypatch):
    """A v2 host (one tree): memory.max, pids.max, controllers enabled on the way."""
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    monkeypatch.setattr(bwrap, "CGROUP_ROOT", tmp_path)
    (cgroup,) = Sandbox(memory_limit_mb=300, max_processes=7).new_cgroups()
    assert cgroup.parent == tmp_path / "convgrade"
    assert (cgroup / "memory.max").read_text() == str(300 << 20)
    # A real kernel makes memory.swap.max (set to 0) only with swap accounting; a fake one not.
    assert not (cgroup / "memory.swap.max").exists()
    assert (cgroup / "pids.max").read_text() == "7"
    for folder in (tmp_path, tmp_path / "convgrade"):
        assert (folder / "cgroup.subtree_control").read_text() == "+memory +pids"


def test_cgroup_v1_gets_both_hierarchies(tmp_path, monkeypatch):
    monkeypatch.setattr(bwrap, "CGROUP_ROOT", tmp_path)
    pids, memory = Sandbox(memory_limit_mb=300, max_processes=7).new_cgroups()
    assert pids.parent == tmp_path / "pids" / "convgrade"
    assert (pids / "pids.max").read_text() == "7"
    assert memory.parent == tmp_path / "memory" / "convgrade"
    assert (memory / "memory.limit_in_bytes").read_text() == str(300 << 20)


def test_no_writable_cgroup_warns_once_and_still_runs(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setattr(bwrap, "CGROUP_ROOT", blocker)
    monkeypatch.setattr(Sandbox, "_warned", set())
    first, second = Sandbox(), Sandbox()
    with caplog.at_level("WARNING"):
        assert first.new_cgroups() == () and second.new_cgroups() == ()
    warnings = [r.getMessage() for r in caplog.records if "cap for the whole" in r.getMessage()]
    assert len(warnings) == 2  # once for processes, once for memory; not again
    assert any("memory" in w for w in warnings) and any("process" in w for w in warnings)
    with pytest.raises(bwrap.SandboxUnavailable):
        Sandbox(require_process_cap=True).new_cgroups()


CANARY = "convgrade-canary-" + uuid.uuid4().hex


@pytest.mark.e2e
def test_no_process_in_the_sandbox_carries_the_graders_environment(monkeypatch):
    """bwrap itself is pid 1 in the sandbox: its environment is readable at /proc/1/environ
    in a kernel. The checks process has no /proc at all."""
    monkeypatch.setenv("CONVGRADE_TEST_SECRET", CANARY)
    code = "import glob\n" + (
        "def environments(x):\n"
        "    found = []\n"
        "    for path in glob.glob('/proc/[0-9]*/environ') + glob.glob('/proc/[0-9]*/cmdline'):\n"
        "        try:\n"
        "            found.append(open(path, 'rb').read().decode(errors='replace'))\n"
        "        except OSError:\n"
        "            pass\n"
        "    return '\\n'.join(found)\n"
    )
    probe = code + "def leaked(x):\n    text = environments(x)\n"
    probe += f"    return [float('PATH=' in text), float({CANARY!r} in text)]\n"
    cells = [{"index": 0, "source": probe, "answer": True, "label": "cell"}]
    with StudentProcess(cells, preload=()) as process:
        read_something, leaked = process.call("leaked", np.zeros(1)).value.array.tolist()
    assert read_something == 0.0 and leaked == 0.0
    # A kernel of its own has /proc, with bwrap as pid 1; a forked one has no /proc, and
    # its zygote's bwrap was started with the sandbox's environment only.
    for forked in (False, True):
        km = SandboxedKernelManager(
            kernel_name="python3", config=Config({"Sandbox": {"fork_kernels": forked}})
        )
        run_sync(km.start_kernel)()
        kc = km.client()
        kc.start_channels()
        texts = []
        try:
            run_sync(kc.wait_for_ready)(timeout=60)
            run_sync(kc.execute_interactive)(
                code + "print(environments(0))",
                timeout=60,
                output_hook=lambda m, texts=texts: texts.append(m["content"].get("text", "")),
            )
            if forked:
                zygote = km.zygote.process.pid
                texts.append(Path(f"/proc/{zygote}/environ").read_bytes().decode())
        finally:
            kc.stop_channels()
            shut_down(km)
        seen = "".join(texts)
        assert "PATH=" in seen, "the probe read nothing"
        assert CANARY not in seen


def test_cgroups_left_by_killed_graders_are_swept(tmp_path, monkeypatch):
    """Real cgroups: empty ones go once old, never while fresh; one with a process stays."""
    parent = Path("/sys/fs/cgroup/pids/convgrade")
    if not parent.is_dir():
        pytest.skip("no v1 pids cgroup here")
    old, fresh, busy = (parent / f"test-{uuid.uuid4().hex}" for _ in range(3))
    for folder in (old, fresh, busy):
        folder.mkdir()
    process = subprocess.Popen(["sleep", "30"])
    (busy / "cgroup.procs").write_text(str(process.pid))
    monkeypatch.setattr(bwrap.time, "time", lambda: os.stat(fresh).st_mtime + 10)
    monkeypatch.setattr(bwrap, "_swept", {})
    try:
        bwrap._sweep(parent, older_than=30)
        assert old.exists() and fresh.exists()  # neither is older than 30 s yet
        monkeypatch.setattr(bwrap, "_swept", {})
        monkeypatch.setattr(bwrap.time, "time", lambda: os.stat(fresh).st_mtime + 300)
        bwrap._sweep(parent, older_than=120)
        assert not old.exists() and not fresh.exists()
        assert busy.exists()
    finally:
        process.kill()
        process.wait()
        remove_cgroup((old, fresh, busy))
    assert not busy.exists()


# A grading process that starts a sandboxed process in a cgroup of its own, then dies
# without cleaning up: the sandbox outlives its grader, as a bwrap launched the moment its
# parent was killed can. Prints the cgroups and the orphan's pid.
ORPHAN_MAKER = """
import json, os, subprocess, sys
from pathlib import Path
from convgrade.sandbox.bwrap import Sandbox
kwargs, cgroups = Sandbox(course_root=sys.argv[1]).popen_kwargs()
orphan = subprocess.Popen(
    ["sleep", "300"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
)
print(json.dumps({"cgroups": [str(c) for c in cgroups], "orphan": orphan.pid}), flush=True)
os._exit(0)
"""


def _alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_sandbox_that_outlived_its_grader_is_killed_by_the_next_sweep(tmp_path, monkeypatch):
    """Real cgroups and processes: the next grading process's sweep kills what is left in a
    cgroup whose owner has ended, and removes it; cgroups of a live owner stay, however
    old, and so do those named by another PID namespace, whose pids mean nothing here."""
    made = subprocess.run(
        [sys.executable, "-c", ORPHAN_MAKER, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    facts = json.loads(made.stdout.strip().splitlines()[-1])
    cgroups, orphan = [Path(c) for c in facts["cgroups"]], facts["orphan"]
    if not cgroups:
        os.kill(orphan, 9)
        pytest.skip("no writable cgroup here")
    live_owner = subprocess.Popen(["sleep", "300"])
    guests = [subprocess.Popen(["sleep", "300"]) for _ in range(2)]
    namespace, start = bwrap._pid_namespace(), bwrap._process_start(live_owner.pid)
    parent = cgroups[0].parent
    kept = [
        parent / f"{namespace}.{live_owner.pid}.{start}-{uuid.uuid4().hex}",
        parent / f"{namespace + 1}.{orphan}.1-{uuid.uuid4().hex}",  # another namespace
    ]
    for folder, guest in zip(kept, guests, strict=True):
        folder.mkdir()
        (folder / "cgroup.procs").write_text(str(guest.pid))
    monkeypatch.setattr(bwrap.time, "time", lambda: os.stat(kept[0]).st_mtime + 10_000)
    try:
        assert _alive(orphan) and all(c.exists() for c in cgroups)
        for cgroup in cgroups:
            monkeypatch.setattr(bwrap, "_swept", {})
            bwrap._sweep(cgroup.parent)
        assert not any(c.exists() for c in cgroups)
        for _ in range(200):  # reparented to init, which reaps it a moment later
            if not _alive(orphan):
                break
            time.sleep(0.01)
        assert not _alive(orphan)
        assert all(folder.exists() for folder in kept)
        assert all(guest.poll() is None for guest in guests)
    finally:
        for process in (live_owner, *guests):
            process.kill()
            process.wait()
        remove_cgroup(tuple(kept))
        try:
            os.kill(orphan, 9)
        except ProcessLookupError:
            pass
