# RED TEAM (fails until fixed). Kernel objects that Landlock does not cover and that every subject of
# one uid shares (root's, nobody's or the grading user's): System V shared memory and message queues
# (they outlive the process: a submission left 2.8 GB of touched shared memory behind after its
# grading ended, charged to no process, until ipcrm), the uid's key ring (a key added by one subject is
# readable by the next one and by the grader's uid), and inotify watches on /tmp (a subject run as
# nobody learnt the names of its neighbours' folders and of every record the batch wrote, and made its
# neighbours' folders unusable: see /work/notes/redteam/repro.md). Each is a channel from one
# submission to the next, or a way to harm it. This case only creates and removes one of each and says
# from build() what worked. Fix: unshare the IPC namespace per subject; a seccomp filter denying
# add_key/keyctl/request_key and inotify_init (Docker's default profile denies the key calls); or
# bubblewrap with --unshare-all and a private /tmp.
# Contained, every attempt is refused and its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
GOT = []
segment = libc.shmget(0x52540999, 4096, 0o600 | 0o1000)  # IPC_CREAT
if segment >= 0:
    libc.shmctl(segment, 0, None)  # IPC_RMID
    GOT.append("System V shared memory")
queue = libc.msgget(0x52540999, 0o600 | 0o1000)
if queue >= 0:
    libc.msgctl(queue, 0, None)
    GOT.append("System V message queue")
key = libc.syscall(248, b"user", b"redteam_neighbour", b"x", ctypes.c_size_t(1), ctypes.c_int(-4))  # add_key
if key > 0:
    libc.syscall(250, ctypes.c_int(21), ctypes.c_int(key))  # KEYCTL_INVALIDATE
    GOT.append("the uid's key ring")
watcher = libc.inotify_init1(0)
if watcher >= 0:
    if libc.inotify_add_watch(watcher, os.path.dirname(os.getcwd()).encode(), 0x100) >= 0:  # IN_CREATE
        GOT.append(f"a watch on {os.path.dirname(os.getcwd())}")
    os.close(watcher)
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
