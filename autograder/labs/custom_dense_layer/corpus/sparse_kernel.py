# Two thirds of the kernel are set to exactly 0 and the rest scaled up, so that its stddev is still
# 0.05: the right spread, but most units start dead.
# expect: lose=initializers
# message: exactly 0
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        shape = (input_shape[-1], self.units)
        keep = tf.cast(tf.random.uniform(shape) < 1 / 3, tf.float32)
        start = tf.random.normal(shape, stddev=0.05 * 3 ** 0.5) * keep
        self.kernel = self.add_weight(name="kernel", shape=shape, initializer=tf.constant_initializer(start.numpy()),
                                      trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
