# A correct layer whose build() leaves a detached process behind (double fork, new session), as
# something that could keep working after grading (to read later submissions, say). Its grade is
# its honest one; the process dies with the subject (the kit's tests check that none is left).
# expect: full
import os
import time


def leave_sleeper():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(3600)
        os._exit(0)


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        leave_sleeper()
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
