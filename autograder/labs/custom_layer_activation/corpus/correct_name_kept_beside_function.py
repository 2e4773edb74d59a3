# Keeps the name it was given (for printing) beside the function it resolved; a private attribute.
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation_name = activation if isinstance(activation, str) else getattr(activation, "__name__", None)
        self._activation_fn = tf.keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        affine = tf.matmul(inputs, self.kernel) + self.bias
        return self._activation_fn(affine)

    def __repr__(self):
        return f"SimpleDense(units={self.units}, activation={self.activation_name!r})"
