# A correct layer that floods its own channel to the grader with 20 MB of junk lines and
# half-written answers when the class is defined, to stall the judge or corrupt what it reads.
# The judge skips what is not an answer to the question it asked; the flood costs only the
# submission's own time.
# expect: full
import os
import stat

JUNK = (b'{"op": "answer", "id": "x", "answer": ' + b"[0," * 2000 + b"\n") + b"not json at all\n" * 1000
for name in os.listdir("/proc/self/fd"):
    try:
        if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
            for _ in range(100):
                os.write(int(name), JUNK * 10)
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
