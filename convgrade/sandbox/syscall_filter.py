"""The system calls student code may not make: a seccomp filter that bwrap installs.

bubblewrap takes away every capability and the network, so most dangerous system calls
already fail in the sandbox. What is left is the part of the Linux kernel that any
unprivileged process can reach, where local privilege escalations are found. This filter
closes what of it no answer, Jupyter kernel or plotting library uses: io_uring, eBPF,
perf counters, userfaultfd, the key store, tracing other processes, the legacy LDT and
uselib calls, and the kernel log. Loading modules and kexec need capabilities the sandbox
never has; they are refused here as well, so that the list does not depend on that.

A refused call fails with ENOSYS, "not implemented", as on a kernel built without it:
libraries that probe for io_uring or userfaultfd then fall back as they would there.

Sockets: the sandbox has no network, but a socket of a rare address family can still
reach the kernel, and may make it load that family's module (TIPC, RDS, AF_ALG...), a
classic source of privilege escalations; vsock is not even confined by the sandbox's
network namespace, and reaches the hypervisor of a virtual machine. So only the families
that Python, ZeroMQ and the C library use are let through (SOCKET_FAMILIES); `socket`
and `socketpair` with any other fail with EAFNOSUPPORT, as for a family the kernel lacks.

Calls through another architecture's system call table (i386's `int 0x80`, x32) are not
covered by the rules: they kill the whole process (not only the calling thread, so that
no half-dead kernel waits for its wall-clock backstop).

Inside the sandbox, the student's processes can still read each other's memory through
/proc/<pid>/mem: they are all the student's own, with the same filter and no capabilities.

The filter is made with libseccomp (through pyseccomp) and handed to bwrap as a compiled
program on a file descriptor (bwrap --seccomp).
"""

import errno
import functools
import os
import socket
import tempfile

DENIED = (
    # io_uring: a second system call interface, the source of many kernel exploits.
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    # eBPF programs and performance counters: large kernel surfaces, nothing to grade.
    "bpf",
    "perf_event_open",
    # userfaultfd: used to stretch race windows in kernel exploits.
    "userfaultfd",
    # The kernel key store.
    "add_key",
    "request_key",
    "keyctl",
    # Tracing or reading other processes of the sandbox.
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    # Legacy x86 calls with a history of bugs.
    "modify_ldt",
    "uselib",
    # The kernel log tells about the host.
    "syslog",
    # Kernel code and reboots: these need capabilities the sandbox never has.
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
)


# Address families a socket may have: Unix sockets (ZeroMQ's ipc transport, multiprocessing),
# IPv4 and IPv6 (loopback only, in the sandbox's empty network namespace), and netlink
# (the C library asks it which addresses exist when resolving names).
SOCKET_FAMILIES = (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK)


class FilterUnavailable(RuntimeError):
    """libseccomp, or pyseccomp, cannot be loaded on this machine."""


def compiled_filter():
    """The filter as a compiled BPF program (bytes); raises FilterUnavailable."""
    program, problem = _compile()
    if problem:
        raise FilterUnavailable(problem)
    return program


@functools.cache
def _compile():
    """(program, None), or (None, why not): made, or found impossible, once per process."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError, RuntimeError) as error:  # it loads libseccomp on import
        return None, f"libseccomp cannot be loaded ({error})"
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    rules.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    for name in DENIED:
        try:
            rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
        except OSError:
            continue  # a call this architecture does not have: nothing to refuse
    unsupported = seccomp.ERRNO(errno.EAFNOSUPPORT)
    allowed = sorted(SOCKET_FAMILIES)
    for call in ("socket", "socketpair"):
        # Every family number but the allowed ones: the gaps between them, and above.
        for family in range(allowed[-1]):
            if family not in allowed:
                rules.add_rule(unsupported, call, seccomp.Arg(0, seccomp.EQ, family))
        rules.add_rule(unsupported, call, seccomp.Arg(0, seccomp.GT, allowed[-1]))
    with tempfile.TemporaryFile() as stream:
        rules.export_bpf(stream)
        stream.seek(0)
        return stream.read(), None


def filter_fd():
    """A new file descriptor from which bwrap reads the filter (its --seccomp FD).

    Each sandbox needs its own: bwrap reads it to the end. The caller passes it to the
    bwrap process (pass_fds) and closes it once bwrap has started."""
    program = compiled_filter()
    fd = os.memfd_create("convgrade-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd
