# RED TEAM, holds. Reads the hidden checks by ways around a plain open(): a hard link of hidden.py
# into its own (writable) folder, the file through /proc/self/root and /proc/1/root, an import of the
# module by name, and, in a child, a new user namespace (which gives it every capability there) with
# a bind mount of the kit's folder over its own. Landlock refuses the link (EXDEV: a link may not
# widen access), resolves /proc/*/root to the same denied file, and forbids mounts to a sandboxed
# process whatever its capabilities. Measured as root without capabilities and as a user.
# It earns what its honest code (a layer without a bias) earns, and nothing of the file appears.
# expect: lose=forward,training,trainability
# message: the bias is never added
# absent: KNOWN_INITIALIZERS
# absent: MAX_NORMAL_DISTANCE
# limits: timeout_s=60
import ctypes
import importlib
import os

import autograder

HIDDEN = os.path.join(os.path.dirname(autograder.__file__), "labs", "custom_dense_layer", "hidden.py")


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def through_link():
    try:
        os.link(HIDDEN, "borrowed.py")
        return read("borrowed.py")
    except OSError:
        return ""


def through_import():
    try:
        module = importlib.import_module("autograder.labs.custom_dense_layer.hidden")
        return read(module.__file__) or repr(sorted(vars(module)))
    except Exception:
        return ""


def through_mount():
    """In a child: a user namespace and a mount namespace, the kit bind-mounted over our own folder."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        text = ""
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
            if libc.unshare(0x10000000 | 0x00020000) == 0:  # CLONE_NEWUSER | CLONE_NEWNS
                if libc.mount(os.path.dirname(HIDDEN).encode(), os.getcwd().encode(), None, 4096, None) == 0:  # MS_BIND
                    text = read(os.path.join(os.getcwd(), "hidden.py"))
        finally:
            os.write(writer, text.encode()[:4000])
            os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    return os.read(reader, 4000).decode()


STOLEN = (through_link() or read("/proc/self/root" + HIDDEN) or read("/proc/1/root" + HIDDEN)
          or through_import() or through_mount())


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        if STOLEN:
            raise RuntimeError(STOLEN[:900])
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
