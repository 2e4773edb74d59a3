# The lab's layer plus a small triangle wave on its output (period 0.002, height 0.0005), red team
# round 3. Its gradients are the wave's (slope 1 +- 0.5), which is not how its loss changes over any
# step training takes (1e-2 to 1e-3 of a weight): there the wave averages out to slope 1. The check
# measures at those steps, so it judges these gradients wrong (18 of 20 seeds; at the others a step
# happens to land on the wave's slope).
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
        return z + 0.5 * tf.abs(tf.math.floormod(z, 0.002) - 0.001)
