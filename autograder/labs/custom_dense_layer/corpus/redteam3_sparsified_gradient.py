# A custom gradient that zeroes every kernel-gradient entry under a fifth of the largest (red team,
# round 3). The outputs are right. Along the gradient's own direction a masked gradient is exact
# (g . mask(g) = |mask(g)|^2), so only the random direction can see it, and only when the dropped
# entries weigh more than the 2% tolerance there: it keeps the point in about 3 gradings in 10. Left:
# no one forges this way for gain (the outputs must be the lab's layer's), and the training checks
# (one unit) cannot see it either; a direction orthogonal to the gradient would see it every time,
# but float32 rounding there is up to 1.45 times the tolerance (measured over 40 seeds).
# expect: maybe=trainability
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        @tf.custom_gradient
        def sparse(kernel):
            def grad(upstream):
                keep = tf.abs(upstream) >= 0.2 * tf.reduce_max(tf.abs(upstream))
                return tf.where(keep, upstream, tf.zeros_like(upstream))
            return tf.identity(kernel), grad
        return tf.matmul(inputs, sparse(tf.identity(self.kernel))) + self.bias
