# The name is resolved in build() instead of __init__: a misspelt name fails only at the first call.
# expect: lose=activation
# message: as it is made
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation_identifier = activation

    def build(self, input_shape):
        self.activation = tf.keras.activations.get(self.activation_identifier)
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
