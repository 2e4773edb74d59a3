# Keras's Dense does all the work, held as an attribute through a one-line subclass defined in the
# notebook (so its class's module is __main__, not Keras's).
# expect: zero
# message: wraps Keras's own Dense
class Inner(tf.keras.layers.Dense):
    pass

class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = tf.keras.activations.get(activation)
        self.inner = Inner(units, activation=activation, kernel_initializer="random_normal")
    def build(self, input_shape):
        self.inner.build(input_shape)
        self.kernel = self.inner.kernel
        self.bias = self.inner.bias
    def call(self, inputs):
        return self.inner(inputs)
