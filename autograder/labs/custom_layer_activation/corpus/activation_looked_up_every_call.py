# The identifier is kept as given and looked up with tf.keras.activations.get on every call.
# expect: lose=activation
# message: looked an activation up
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.keras.activations.get(self.activation)(tf.matmul(inputs, self.kernel) + self.bias)
