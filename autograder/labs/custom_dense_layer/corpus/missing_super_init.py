# __init__ never calls super().__init__(), so Keras cannot set the layer up.
# expect: zero
# message: super().__init__()
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
