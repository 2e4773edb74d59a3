# Keras's Dense does all the work, kept in a dict on the layer: sublayers are looked for at any depth.
# expect: zero
# message: wraps Keras's own Dense
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = tf.keras.activations.get(activation)
        self.parts = {"dense": tf.keras.layers.Dense(units, activation=activation, kernel_initializer="random_normal")}
    def build(self, input_shape):
        self.parts["dense"].build(input_shape)
        self.kernel = self.parts["dense"].kernel
        self.bias = self.parts["dense"].bias
    def call(self, inputs):
        return self.parts["dense"](inputs)
