# Module-level settings above the class (an initializer object, a default), which the class reads.
# expect: full
KERNEL_INITIALIZER = tf.random_normal_initializer(mean=0.0, stddev=0.05)
BIAS_INITIALIZER = "zeros"
DEFAULT_UNITS, TRAINABLE = 32, True


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=DEFAULT_UNITS):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=KERNEL_INITIALIZER, trainable=TRAINABLE)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=BIAS_INITIALIZER,
                                    trainable=TRAINABLE)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
