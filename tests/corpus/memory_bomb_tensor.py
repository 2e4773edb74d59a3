# build() asks TensorFlow for a 40 GB tensor, outside Python's allocator.
# expect: zero
# message: memory
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.huge = tf.ones((100_000, 100_000), dtype=tf.float32)

    def call(self, inputs):
        return inputs
