# RED TEAM (fails until fixed). The seccomp filter ignores setxattr, lsetxattr and fsetxattr, but
# Linux 6.13 added setxattrat (and removexattrat), which it lets through: a subject can still write a
# user.* extended attribute on any file or folder its uid owns outside its own folder (as root without
# capabilities, every root-owned file; as a user, the kit, the venv, the outputs). Landlock does not
# cover extended attributes, and getxattr reads them back from anywhere: a place to leave a working
# class for a later submission (or a later batch) to pick up, outlasting the grading. Measured: a
# subject left user.redteam = "planted by a subject" on a root-owned file in /work. This case writes
# one on a folder of the Python installation, reads it back, removes it, and says so from build().
# Fix: refuse (or ignore) setxattrat and removexattrat (x86-64: 463 and 466; AArch64 the same numbers)
# too, and refuse every system call number the filter does not know (an allow list, or at least a
# default refusal above the highest number it was written for), so that next year's calls are not open.
# Contained, nothing is written and its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class XattrArgs(ctypes.Structure):
    _fields_ = [("value", ctypes.c_uint64), ("size", ctypes.c_uint32), ("flags", ctypes.c_uint32)]


GOT = ""
VALUE = ctypes.create_string_buffer(b"class SimpleDense: ...")
for path in (sys.base_prefix, sys.prefix):
    arguments = XattrArgs(ctypes.cast(VALUE, ctypes.c_void_p).value, len(VALUE.value), 0)
    libc.syscall(463, -100, path.encode(), 0, b"user.redteam_channel", ctypes.byref(arguments),
                 ctypes.c_size_t(ctypes.sizeof(arguments)))  # setxattrat(AT_FDCWD, path, 0, name, args, size)
    try:
        stored = os.getxattr(path, "user.redteam_channel")
    except OSError:
        continue
    libc.syscall(466, -100, path.encode(), 0, b"user.redteam_channel")  # removexattrat
    GOT = f"left {stored!r} on {path}"
    break


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        if GOT:
            raise RuntimeError(f"escaped: {GOT}")
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
