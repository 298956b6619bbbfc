"""The query workers' sandbox: a Linux seccomp filter under which a process can open no network
socket, so that no query can make the engine fetch anything from anywhere.

Oxigraph evaluates ``SERVICE`` by making the HTTP request itself and has no switch to stop it;
a check of the query's text can only guess how the engine will read it. The filter works below
both: ``socket()`` fails with EACCES for every address family but AF_UNIX (the worker's pipe to
the web process is a pair of those), ``connect()`` fails whatever the socket (so not even a local
name service, which would look up a name on the query's behalf, can be reached; the pipe was
connected before the worker started), and so does ``io_uring_setup`` (a ring can open and
connect sockets of its own). It is installed on every thread of the process and cannot be lifted, by
the process or by anything it starts.

Only plain ``ctypes`` and the kernel are used; where the filter cannot be installed
(another OS, an architecture it was not written for, a kernel or container that forbids it),
:func:`install` raises :class:`SandboxError` and the worker refuses to answer queries.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket

#: Linux's numbers for one architecture: the audit id the kernel reports, and the syscalls.
ARCHITECTURES = {
    # audit arch, socket, connect, io_uring_setup, seccomp
    "x86_64": (0xC000003E, 41, 42, 425, 317),
    "aarch64": (0xC00000B7, 198, 203, 425, 277),
}
#: On x86_64, syscall numbers with this bit set are the x32 ABI's, another door to socket().
X32_SYSCALL_BIT = 0x40000000

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000

# classic BPF opcodes
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K

# offsets in struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_NR, _ARCH, _ARG0_LOW = 0, 4, 16


class SandboxError(RuntimeError):
    """The sandbox could not be installed; the message says why."""


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _deny(err: int) -> int:
    return SECCOMP_RET_ERRNO | (err & 0xFFFF)


def network_filter(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter's BPF program for *machine* (default: this one), as (code, jt, jf, k).

    :raise SandboxError: for an architecture it has no syscall numbers for."""
    machine = machine or platform.machine()
    if machine not in ARCHITECTURES:
        raise SandboxError(f"no seccomp filter is written for the {machine or 'unknown'} architecture "
                           f"(only {', '.join(ARCHITECTURES)})")
    arch, sys_socket, sys_connect, sys_io_uring_setup, _ = ARCHITECTURES[machine]
    return _resolve([
        (_LD_W_ABS, None, None, _ARCH),
        (_JEQ_K, None, "deny", arch),  # another ABI of the kernel (32-bit calls): none of it
        (_LD_W_ABS, None, None, _NR),
        (_JGE_K, "deny", None, X32_SYSCALL_BIT),
        (_JEQ_K, None, "not socket", sys_socket),
        (_LD_W_ABS, None, None, _ARG0_LOW),  # the address family
        (_JEQ_K, "allow", "deny", int(socket.AF_UNIX)),
        ("not socket", _JEQ_K, "deny", None, sys_connect),
        (_JEQ_K, "deny", "allow", sys_io_uring_setup),
        ("allow", _RET_K, None, None, SECCOMP_RET_ALLOW),
        ("deny", _RET_K, None, None, _deny(errno.EACCES)),
    ])


def _resolve(listing: list[tuple]) -> list[tuple[int, int, int, int]]:
    """BPF from a listing whose jumps name labels (None: the next instruction); an instruction
    with a label has it first. BPF jumps count instructions from the next one."""
    labelled = [item if isinstance(item[0], str) else (None, *item) for item in listing]
    where = {item[0]: index for index, item in enumerate(labelled) if item[0]}

    def offset(target: str | None, index: int) -> int:
        return 0 if target is None else where[target] - index - 1

    return [(code, offset(jt, i), offset(jf, i), k) for i, (_label, code, jt, jf, k) in enumerate(labelled)]


def install_filter(program: list[tuple[int, int, int, int]]) -> None:
    """Install the BPF *program* as a seccomp filter on every thread of this process, for good.

    :raise SandboxError: when the kernel refuses it, naming why."""
    if not os.uname().sysname == "Linux":
        raise SandboxError(f"seccomp filters need Linux, not {os.uname().sysname}")
    machine = platform.machine()
    if machine not in ARCHITECTURES:
        raise SandboxError(f"no seccomp filter is written for the {machine} architecture")
    libc = ctypes.CDLL(None, use_errno=True)
    instructions = (_Filter * len(program))(*(_Filter(*i) for i in program))
    fprog = _Program(len(program), instructions)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    seccomp_nr = ARCHITECTURES[machine][4]
    result = libc.syscall(ctypes.c_long(seccomp_nr), ctypes.c_ulong(SECCOMP_SET_MODE_FILTER),
                          ctypes.c_ulong(SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(fprog))
    if result == 0:
        return
    if result > 0:
        raise SandboxError(f"thread {result} of the worker could not be put under the seccomp filter")
    first = ctypes.get_errno()
    # kernels before 3.17 have no seccomp() syscall; prctl covers the calling thread, which is
    # the only one a freshly started worker runs
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SandboxError(f"the kernel refused the seccomp filter: seccomp(): {os.strerror(first)}; "
                           f"prctl(PR_SET_SECCOMP): {os.strerror(ctypes.get_errno())}")


def install() -> None:
    """Put this process in the sandbox, and check that it holds: an Internet socket is refused.

    :raise SandboxError: when it cannot be installed or does not hold."""
    install_filter(network_filter())
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except PermissionError:
        return
    probe.close()
    raise SandboxError("the seccomp filter was installed but an Internet socket could still be opened")


__all__ = ["ARCHITECTURES", "SandboxError", "install", "install_filter", "network_filter"]
