# build() asks TensorFlow for a 40 GB tensor, outside Python's allocator. The memory limit makes
# TensorFlow refuse it (at once: the grader turns off oneDNN's allocator, which would retry for
# 10 s), and the student hears about a huge allocation.
# expect: zero
# message: huge allocation
# limits: timeout_s=30
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.huge = tf.ones((100_000, 100_000), dtype=tf.float32)

    def call(self, inputs):
        return inputs
