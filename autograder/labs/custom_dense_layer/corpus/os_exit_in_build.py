# build() ends the process with os._exit(3).
# expect: zero
# message: exited with code 3
import os


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        os._exit(3)

    def call(self, inputs):
        return inputs
