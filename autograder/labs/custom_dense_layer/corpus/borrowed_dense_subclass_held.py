# Keras's Dense does all the work, held through a one-line subclass defined in the notebook (its
# class's module is __main__): the Keras class in its bases gives it away.
# message: wraps Keras's own Dense
# expect: zero
class Inner(tf.keras.layers.Dense):
    pass

class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units
        self.inner = Inner(units, kernel_initializer="random_normal")
    def build(self, input_shape):
        self.inner.build(input_shape)
        self.kernel = self.inner.kernel
        self.bias = self.inner.bias
    def call(self, inputs):
        return self.inner(inputs)
