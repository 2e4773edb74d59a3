# The activations module imported by name, the @ operator and tf.nn.bias_add; initializers as strings.
# expect: full
from tensorflow.keras import activations


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="random_normal")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return self.activation(tf.nn.bias_add(inputs @ self.kernel, self.bias))
