# A static helper resolves the activation, and call() is split into two steps.
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = self._resolve(activation)

    @staticmethod
    def _resolve(identifier):
        return tf.keras.activations.get(identifier)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def affine(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias

    def call(self, inputs):
        return self.activation(self.affine(inputs))
