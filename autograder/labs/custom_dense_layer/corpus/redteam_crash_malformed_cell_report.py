# RED TEAM (fails until fixed). A correct layer whose notebook writes, on its own channel, a report
# "timed out" for every cell number with "methods": 5 (a number, not a list). RemoteSubject.run
# accepts the report for the cell it waits for and iterates over "methods": TypeError, which leaves
# grade_notebook. `grade` stops with a traceback; grade-batch records a grader error on every run.
# Fix: check the type of every field of a cell report (and catch what a report can raise as a
# malformed message, as _receive does for the rest).
# NOTE: until fixed, `python -m autograder.corpus` stops at this case (the exception escapes it).
# Its honest code (a correct layer) earns full marks.
# expect: full
# limits: timeout_s=60
import json
import os
import stat

LINES = b"".join(json.dumps({"op": "cell", "number": n, "status": "timed out", "methods": 5}).encode() + b"\n"
                 for n in range(1, 60))
for name in os.listdir("/proc/self/fd"):
    try:
        if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
            os.write(int(name), LINES)
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
