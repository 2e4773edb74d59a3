# RED TEAM (fails where the subject owns files outside its folder: as root without capabilities, or
# run by an ordinary user). Landlock has no right for chmod, utime or setxattr, so a subject may change
# the mode of any file its uid owns, wherever it is. Measured on Linux 6.18 (Landlock ABI 7):
# - root without capabilities: chmod 0 on the folder that holds the subjects' folders (/tmp) makes
#   every later subject die at start ("exited with code 1", 0/18 for every later student; see
#   /work/notes/redteam/repro.md, chmod_root);
# - ordinary user: chmod 0 on the kit's hidden.py makes grade-batch crash when it writes the next
#   record (fingerprint() reads the file): every later student's record is lost, and every later run
#   fails until someone restores the mode.
# This case only flips the sticky bit of a folder of the Python installation or of the kit (harmless:
# it only limits who may delete entries) and flips it back at once, and says from build() if the mode
# really changed. Fix: a seccomp filter refusing (or ignoring) the chmod/chown/utime/xattr calls, or a
# uid of its own for the subject that owns nothing outside its folder.
# Contained, no mode changes and its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import os
import stat
import sys

import autograder

GOT = ""
for path in (sys.prefix, sys.base_prefix, os.path.dirname(autograder.__file__)):
    try:
        mode = os.stat(path).st_mode & 0o7777
        os.chmod(path, mode ^ stat.S_ISVTX)
        if os.stat(path).st_mode & 0o7777 != mode:
            os.chmod(path, mode)
            GOT = f"chmod changed the mode of {path}"
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
