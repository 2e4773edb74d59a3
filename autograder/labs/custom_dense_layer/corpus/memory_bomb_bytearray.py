# build() asks for 50 GB at once.
# expect: zero
# message: memory
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.buffer = bytearray(50 * 2**30)

    def call(self, inputs):
        return inputs
