# The kernel is drawn by VarianceScaling (normal, fan_in), scaled to give stddev 0.05 for a
# 256 x 256 kernel: at the lab's own fan-in of 1 its stddev is 0.8.
# expect: lose=initializers
# message: the spread depends on the layer's size
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        initializer = tf.keras.initializers.VarianceScaling(scale=0.64, mode="fan_in",
                                                            distribution="untruncated_normal")
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units), initializer=initializer,
                                      trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
