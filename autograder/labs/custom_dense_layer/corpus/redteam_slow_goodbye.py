# RED TEAM (fails until fixed; caught by the time bound of tests/labs/test_corpus.py). A correct
# layer whose notebook makes resource.getrusage sleep for ever. The subject calls it only after the
# last check, to report its peak memory in its goodbye, so every check passes; then the judge waits
# 10 s for the goodbye, asks the zygote to end the subject *without* killing it, the zygote blocks in
# waitpid, and the judge gives up after 60 s and kills the whole zygote (the next submission pays
# for a new one). Measured: 75 s for a run limited to 12 s (an honest one takes about 5 s). Fix: once
# the checks are done, end the subject with kill=True after a short grace (the bye is a courtesy),
# and never let the zygote block in waitpid on a warden.
# Its honest code (a correct layer) earns full marks, within its limits.
# expect: full
# limits: timeout_s=12
import resource
import time


def _never(*args):
    time.sleep(10**6)


resource.getrusage = _never


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
