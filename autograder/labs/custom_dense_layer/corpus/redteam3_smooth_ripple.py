# The lab's layer plus a ripple 1e-4 * sin(1e4 z) on its output, red team round 3: smooth, no kinks.
# Its gradients are the ripple's (slope between 0 and 2), which is not how its loss changes over the
# steps training takes, where the ripple averages out to slope 1: judged wrong (17 of 20 seeds).
# expect: lose=training maybe=trainability
# message: gradient descent from
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        z = tf.matmul(inputs, self.kernel) + self.bias
        return z + 1e-4 * tf.sin(1e4 * z)
