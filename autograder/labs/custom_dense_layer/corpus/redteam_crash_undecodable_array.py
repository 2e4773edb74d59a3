# RED TEAM (fails until fixed). A correct layer whose notebook writes one line to its own channel: an
# array of shape (0, 2**63). codec._array checks each dimension is a non-negative int and that the
# element count (0) is small, then numpy's reshape raises ValueError ("Maximum allowed dimension
# exceeded"), which is not a codec.DecodeError: Channel.receive lets it through, and it leaves
# grade_notebook. `grade` stops with a traceback (the notebooks after it are not graded);
# grade-batch records a grader error, and regrades (and fails) on every run. Fix: catch every
# exception while decoding as DecodeError (or bound each dimension, e.g. by MAX_ELEMENTS).
# NOTE: until fixed, `python -m autograder.corpus` stops at this case (the exception escapes it).
# Its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import os
import stat

POISON = b'{"op": "cell", "a": {"__array__": ["float32", [0, 9223372036854775808], ""]}}\n'
for name in os.listdir("/proc/self/fd"):
    try:
        if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
            os.write(int(name), POISON)
    except OSError:
        pass


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
