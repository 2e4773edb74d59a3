"""A seccomp filter: the system calls a notebook never needs, refused (or ignored).

Landlock decides which files a subject may open and which TCP ports it may
use; some kernel objects are outside its reach, and the subject's uid may own
files elsewhere (as an ordinary user, or as uid 0 without capabilities). The
red-team corpus found each of these used against a grader:

- ``socket``: UDP datagrams and Unix sockets with a path (a local DNS, dbus,
  an ssh agent, the Docker socket) are not covered by Landlock's TCP rights.
  No socket at all: a notebook under grading has nothing to reach (a data
  loader that would download fails at once, as offline). ``socketpair`` stays.
- ``chmod``/``chown``/``utime``/``*xattr``: not Landlock rights; with them a
  subject could make the folder of every later subject, or the kit's files,
  unusable. These *succeed without doing anything* rather than fail: Python's
  own ``shutil.copy`` (IPython uses it to set up its profile) sets modes.
- System V IPC, key rings, inotify, fanotify: shared by every process of a
  uid (they outlive the process, and can watch or reach a neighbour).
- ``ptrace``, ``process_vm_*``, ``bpf``, ``perf_event_open``, ``userfaultfd``,
  ``io_uring_*`` (whose operations a filter cannot see), ``kexec``, module loading.
- Any call newer than the filter (ENOSYS, as on an older kernel).

Built with ``ctypes`` for x86-64 and AArch64 (their system call numbers
differ); elsewhere the filter is not installed and :func:`install` says so.
"""
from __future__ import annotations

import ctypes
import errno
import platform

_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
_X32_SYSCALL_BIT = 0x40000000
_OFFSET_NR, _OFFSET_ARCH = 0, 4  # in struct seccomp_data

# Per architecture: its AUDIT_ARCH value, and the numbers of the calls refused (names for reports).
REFUSED = {
    "x86_64": (0xC000003E, {
        "socket": 41, "chmod": 90, "fchmod": 91, "fchmodat": 268, "fchmodat2": 452, "chown": 92, "fchown": 93,
        "lchown": 94, "fchownat": 260, "utime": 132, "utimes": 235, "futimesat": 261, "utimensat": 280,
        "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197, "lremovexattr": 198,
        "fremovexattr": 199, "setxattrat": 463, "removexattrat": 466, "shmget": 29, "semget": 64, "msgget": 68, "add_key": 248, "request_key": 249,
        "keyctl": 250, "inotify_init": 253, "inotify_init1": 294, "fanotify_init": 300, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
    }),
    "aarch64": (0xC00000B7, {
        "socket": 198, "fchmod": 52, "fchmodat": 53, "fchmodat2": 452, "fchownat": 54, "fchown": 55,
        "utimensat": 88, "setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14, "lremovexattr": 15,
        "fremovexattr": 16, "setxattrat": 463, "removexattrat": 466, "shmget": 194, "semget": 190, "msgget": 186, "add_key": 217, "request_key": 218,
        "keyctl": 219, "inotify_init1": 26, "fanotify_init": 262, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273,
    }),
}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


IGNORED = ("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "utime", "utimes",
           "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr",
           "fremovexattr", "setxattrat", "removexattrat")

# The calls are numbered in the order Linux added them (since 4.x, the same numbers on both
# architectures). Calls newer than those this filter was written against (Linux 6.13's removexattrat,
# 466) answer ENOSYS, as on an older kernel, so that next year's way to change a file is not open;
# the C library falls back to the older calls, as it does on older kernels.
NEWEST_KNOWN = 466


def _program(arch: int, refused: list[int], ignored: list[int], foreign_from: int | None,
             unknown_from: int) -> list[tuple]:
    """ALLOW, unless the call is ``refused`` (EPERM) or ``ignored`` (returns 0, does nothing). A call
    made under another ABI is refused, and so is any number from ``foreign_from`` on (x86-64's x32
    calls share its arch value); numbers from ``unknown_from`` on are answered ENOSYS."""
    refuse, pretend, absent = _RET_ERRNO | errno.EPERM, _RET_ERRNO | 0, _RET_ERRNO | errno.ENOSYS
    steps = [(_LD_W_ABS, 0, 0, _OFFSET_ARCH), (_JEQ_K, 1, 0, arch), (_RET_K, 0, 0, refuse),
             (_LD_W_ABS, 0, 0, _OFFSET_NR)]
    tests = [(_JGE_K, foreign_from, refuse)] if foreign_from is not None else []
    tests += [(_JGE_K, unknown_from, absent)]
    tests += [(_JEQ_K, number, refuse) for number in refused] + [(_JEQ_K, number, pretend) for number in ignored]
    endings = [_RET_ALLOW, refuse, pretend, absent]  # after the tests, in this order
    for position, (code, value, ending) in enumerate(tests):
        to_end = len(tests) - position - 1  # instructions between this test and the first ending
        steps.append((code, to_end + endings.index(ending), 0, value))
    steps += [(_RET_K, 0, 0, ending) for ending in endings]
    return steps


def install() -> dict:
    """Refuse the calls in :data:`REFUSED` to this process and its children, for good. Returns what holds."""
    machine = platform.machine().lower()
    if platform.system() != "Linux" or machine not in REFUSED:
        return {"seccomp": False}
    arch, calls = REFUSED[machine]
    refused = sorted({number for name, number in calls.items() if name not in IGNORED})
    ignored = sorted({number for name, number in calls.items() if name in IGNORED})
    steps = _program(arch, refused, ignored, _X32_SYSCALL_BIT if machine == "x86_64" else None,
                     NEWEST_KNOWN + 1)
    filters = (_Filter * len(steps))(*[_Filter(*step) for step in steps])
    program = _Program(len(steps), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused")
    return {"seccomp": True}
