# An honest layer with many kinks (red team, round 3): the output clipped to [-1, 1], most outputs
# saturated, plus |bias|. Its gradients are the true one-sided ones, and they keep the point: one
# side of a kink is always exact, and kinks on both sides leave the benefit of the doubt.
# expect: lose=forward,training
# message: inputs @ kernel + bias
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.clip_by_value(tf.matmul(inputs, self.kernel), -1.0, 1.0) + tf.abs(self.bias)
