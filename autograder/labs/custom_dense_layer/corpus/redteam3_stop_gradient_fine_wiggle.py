# The mirror of redteam3_fine_sawtooth (red team, round 3): the same wave on the output behind
# tf.stop_gradient, so the gradient is the plain layer's (slope 1). That is how the loss changes over
# every step training takes, so the gradient point is kept (20 of 20 seeds); a forger gains nothing,
# since the outputs must already be the lab's layer's to within the forward check's tolerance.
# expect: lose=training
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
        return z + tf.stop_gradient(0.5 * tf.abs(tf.math.floormod(z, 0.002) - 0.001))
