# tf.matmul followed by tf.nn.bias_add; trainable left at its default (True).
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[input_shape[-1], self.units],
                                      initializer=tf.random_normal_initializer(mean=0.0, stddev=0.05))
        self.bias = self.add_weight(name="bias", shape=[self.units], initializer="zeros")

    def call(self, inputs):
        return tf.nn.bias_add(tf.matmul(inputs, self.kernel), self.bias)
