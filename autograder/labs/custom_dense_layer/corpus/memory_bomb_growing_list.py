# build() grows a list of 64 MB blocks without end.
# expect: zero
# message: memory
# limits: memory_mb=512
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        blocks = []
        while True:
            blocks.append(bytearray(64 * 2**20))

    def call(self, inputs):
        return inputs
