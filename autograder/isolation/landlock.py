"""Landlock (Linux 5.13+): let a process read only what it needs, write only its own folder.

Landlock is the kernel's unprivileged sandbox: a process restricts itself,
and the restriction holds for it and every process it starts, with no way
back. It needs no root and no setup, so it protects a grading server run by
an ordinary user as well as one run by root. Used here through ``ctypes``
(three system calls; the numbers are the same on every architecture).

What the subject gets, by ABI version (the kernel's ``landlock`` feature level):

- ABI 1+: file system access only beneath the paths given (reads beneath the
  Python installation and system folders, writes beneath its own folder). A
  sandboxed process also cannot ptrace, so cannot read ``/proc/<pid>/mem`` or
  ``/proc/<pid>/fd`` of, any process outside its sandbox;
- ABI 4+: no TCP ``bind`` or ``connect`` (no Dask scheduler, no Jupyter kernel ports);
- ABI 6+: no signals to processes outside the sandbox, no abstract Unix sockets.
"""
from __future__ import annotations

import ctypes
import os
import platform

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# File system rights (landlock.h), and the ABI that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_WRITE_RIGHTS = sum(1 << bit for bit in range(4, 13))  # remove, make dir/file/socket/fifo/device/symlink
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
READ = EXECUTE | READ_FILE | READ_DIR
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 where there is no Landlock."""
    if platform.system() != "Linux":
        return 0
    try:
        version = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def _fs_rights(abi: int) -> int:
    rights = READ | WRITE_FILE | _WRITE_RIGHTS
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def restrict(read_paths: list[str], write_paths: list[str]) -> dict:
    """Restrict this process (and its future children) for good. Returns what now holds.

    Paths that do not exist are skipped. Raises OSError when Landlock is
    present but refuses (the caller then reports it as not holding).
    """
    abi = abi_version()
    if abi < 1:
        return {"landlock": 0}
    libc = _libc()
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled_access_fs=handled,
                        handled_access_net=(NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
                        scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, rights in ((read_paths, READ), (write_paths, handled)):
            for path in paths:
                _allow(libc, ruleset, path, rights, handled)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
        if libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return {"landlock": abi, "files": True, "network": abi >= 4, "signals": abi >= 6}


def _allow(libc, ruleset: int, path: str, rights: int, handled: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= EXECUTE | READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV  # what a file can be granted
        attr = _PathBeneathAttr(allowed_access=rights & handled, parent_fd=fd)
        if libc.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                        ctypes.byref(attr), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)
