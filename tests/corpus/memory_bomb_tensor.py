# build() asks TensorFlow for a 40 GB tensor, outside Python's allocator. TensorFlow retries a
# failed allocation for 10 s before it gives up, so one check fails with the memory error and the
# run's time limit ends the rest.
# expect: zero
# message: huge allocation
# error: time limit
# limits: timeout_s=14 check_timeout_s=12
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.huge = tf.ones((100_000, 100_000), dtype=tf.float32)

    def call(self, inputs):
        return inputs
