# The activation is stored on the class, so the last layer made decides it for every layer.
# expect: lose=activation,nonlinearity,classifier
# message: the other layer's activation
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        type(self).activation_fn = staticmethod(tf.keras.activations.get(activation))

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation_fn(tf.matmul(inputs, self.kernel) + self.bias)
