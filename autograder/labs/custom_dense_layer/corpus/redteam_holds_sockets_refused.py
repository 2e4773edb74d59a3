# RED TEAM, holds. Tries to talk to what may listen on the grading machine: TCP on the loopback (v4
# and v6: Dask's 8786, Jupyter's 8888, ssh's 22) and every abstract Unix socket in /proc/net/unix.
# Landlock (ABI 4+: TCP; ABI 6+: abstract sockets) refuses each with EACCES/EPERM. For TCP the
# sandbox answers before the network, so a refusal by the network (ECONNREFUSED: nobody listens)
# means the sandbox let it through, and counts as reached. An abstract name nobody listens on is
# refused before the sandbox is asked, so only an actual connection counts there (and that part says
# nothing on a machine with no abstract socket).
# Its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import socket

GOT = []
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    for port in (8786, 8888, 22):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as tcp:
                tcp.settimeout(1)
                tcp.connect((host, port))
            GOT.append(f"TCP {host}:{port}")
        except PermissionError:
            pass
        except OSError as error:
            GOT.append(f"TCP {host}:{port} reached the network ({type(error).__name__})")
try:
    with open("/proc/net/unix") as table:
        abstract = [line.split()[-1] for line in list(table)[1:] if line.split()[-1].startswith("@")]
except OSError:
    abstract = []
for name in abstract[:20]:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
            unix.settimeout(1)
            unix.connect("\0" + name[1:])
        GOT.append(f"abstract {name}")
    except OSError:
        pass


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        if GOT:
            raise RuntimeError(f"reached: {GOT}")
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
