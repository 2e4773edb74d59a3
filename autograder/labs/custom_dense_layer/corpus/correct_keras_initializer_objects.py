# Keras initializer objects, RandomNormal(stddev=0.05) and Zeros(), positional shape.
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super(SimpleDense, self).__init__()
        self.units = units

    def build(self, input_shape):
        kernel_init = tf.keras.initializers.RandomNormal(mean=0.0, stddev=0.05)
        bias_init = tf.keras.initializers.Zeros()
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer=kernel_init,
                                      trainable=True, name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer=bias_init, trainable=True, name="bias")

    def call(self, inputs):
        return tf.add(tf.matmul(inputs, self.kernel), self.bias)
