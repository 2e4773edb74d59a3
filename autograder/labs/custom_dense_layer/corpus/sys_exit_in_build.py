# build() calls sys.exit(1).
# expect: zero
# message: sys.exit(1)
import sys


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        sys.exit(1)

    def call(self, inputs):
        return inputs
