# RED TEAM, holds. Finds the judge: every zygote's command line (readable in /proc) names the grading
# process after --owner. Then tries what would let it read the judge's seed or checks, or make a
# neighbour the memory killer's victim: process_vm_readv and /proc/<pid>/mem on the judge and the
# zygote, a pidfd and signal 0 to them, oom_score_adj 1000 for the zygote and -1000 for itself. The
# PID namespace hides their numbers (ESRCH) where it exists; Landlock refuses the rest (and as a user,
# without a namespace, the ptrace checks: EPERM). Its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


def grading_processes():
    found, own = set(), os.readlink("/proc/self")  # this process's number in /proc (not os.getpid() in a namespace)
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == own:
            continue
        try:
            words = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"autograder.isolation.zygote" in words and b"--owner" in words:
            found |= {int(pid), int(words[words.index(b"--owner") + 1])}
    return sorted(found)


def reach(pid):
    got = []
    buffer = ctypes.create_string_buffer(64)
    local, remote = Iovec(ctypes.cast(buffer, ctypes.c_void_p), 64), Iovec(0x400000, 64)
    if libc.syscall(310, pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) > 0:  # process_vm_readv
        got.append("process_vm_readv")
    try:
        with open(f"/proc/{pid}/mem", "rb"):
            got.append("/proc/pid/mem")
    except OSError:
        pass
    descriptor = libc.syscall(434, pid, 0)  # pidfd_open
    if descriptor >= 0 and libc.syscall(424, descriptor, 0, None, 0) == 0:  # pidfd_send_signal(0)
        got.append("pidfd signal")
    try:
        with open(f"/proc/{pid}/oom_score_adj", "w") as f:
            f.write("1000")
        got.append("oom_score_adj")
    except OSError:
        pass
    return [f"{what} of {pid}" for what in got]


GOT = [what for pid in grading_processes() for what in reach(pid)]
try:
    with open("/proc/self/oom_score_adj", "w") as own:
        own.write("-1000")
    GOT.append("own oom_score_adj -1000")
except OSError:
    pass


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        if GOT:
            raise RuntimeError(f"reached the grader: {GOT}")
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
