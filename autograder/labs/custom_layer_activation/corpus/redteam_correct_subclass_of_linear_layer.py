# RED TEAM (holds). Lab 1's layer kept as a base class of the student's own (same cell), and
# SimpleDense adds only the activation: __init__ resolves it, call() wraps super().call(). The
# weights are built by the base class; the layer is still the student's own.
# expect: full
class LinearDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias


class SimpleDense(LinearDense):
    def __init__(self, units=32, activation=None):
        super().__init__(units)
        self.activation = tf.keras.activations.get(activation)

    def call(self, inputs):
        return self.activation(super().call(inputs))
