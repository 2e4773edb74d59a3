# A correct layer whose call() writes 32 MB to stderr each time (past the output limit).
# expect: full
import sys


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        for _ in range(32):
            sys.stderr.write("warning " * 131072 + "\n")
            sys.__stdout__.write("debug " * 174763 + "\n")
        return tf.matmul(inputs, self.kernel) + self.bias
