# RED TEAM (fails until fixed). Landlock's network rights cover TCP only: a subject can send UDP
# datagrams anywhere the machine can reach, and connect to any Unix socket that has a path (listed in
# /proc/net/unix): a local DNS or metrics port, dbus, an ssh-agent, a Docker socket. Measured: a layer
# that sent every question it was asked to 127.0.0.1:47001 over UDP handed out the hidden checks'
# probes as they ran (builds of 1 x 16384 and 128 x 128 for the initializer, the square probe of the
# gradient check, the other line's points), to a listener the grader knows nothing of; a subject also
# connected to a listening Unix socket in /tmp. This case sends one datagram to the discard port of
# the loopback and tries each Unix socket path in /proc/net/unix, and says from build() what worked.
# Fix: a network namespace of its own for the subject (CLONE_NEWNET: loopback only, nothing listens);
# Unix sockets with paths are then still reachable through the file system, so also a seccomp rule
# (or a mount namespace hiding /run, /tmp, /var/run).
# Contained, nothing leaves and its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import socket

GOT = []
try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
        datagram.sendto(b"x", ("127.0.0.1", 9))
    GOT.append("UDP out")
except OSError:
    pass
try:
    with open("/proc/net/unix") as table:
        paths = [line.split()[-1] for line in list(table)[1:] if line.split()[-1].startswith("/")]
except OSError:
    paths = []
for path in paths[:50]:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
            unix.settimeout(1)
            unix.connect(path)
        GOT.append(f"Unix socket {path}")
        break
    except OSError:
        continue
GOT = ", ".join(GOT)


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
