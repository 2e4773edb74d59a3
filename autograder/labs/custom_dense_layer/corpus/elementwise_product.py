# call() multiplies element-wise and sums the wrong axis instead of a matrix product.
# expect: lose=forward
# message: matrix product
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.reduce_sum(inputs, axis=-1, keepdims=True) * tf.reduce_sum(self.kernel, axis=0) + self.bias
