# A correct layer that computes in bfloat16 and casts back (red team, round 3). Its outputs are off by
# bfloat16's rounding (the forward check's concern). Steps of 1e-3 and 1e-4 are below bfloat16's
# resolution: where the loss does not move, the gradient is left the benefit of the doubt, but a
# quantized loss can still agree on a wrong change at two steps, and it loses the gradient point in
# about 1 grading in 10 (2 of 20 seeds). Left: a layer this coarse is wrong on its outputs anyway.
# expect: lose=forward,training maybe=trainability
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
        out = tf.matmul(tf.cast(inputs, tf.bfloat16), tf.cast(self.kernel, tf.bfloat16)) + tf.cast(self.bias, tf.bfloat16)
        return tf.cast(out, tf.float32)
