# A correct layer that computes in float16 and casts back, as Keras's mixed_float16 policy would (red
# team, round 3). A step of 1e-4 is below float16's resolution, so the loss did not move and the
# check read that as a change of 0 (4 of 40 seeds). Fixed: a loss that does not move leaves the
# gradient the benefit of the doubt, and a mismatch must hold at two steps (0 of 20 seeds).
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
        out = tf.matmul(tf.cast(inputs, tf.float16), tf.cast(self.kernel, tf.float16)) + tf.cast(self.bias, tf.float16)
        return tf.cast(out, tf.float32)
