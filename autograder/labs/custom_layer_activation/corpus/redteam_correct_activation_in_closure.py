# RED TEAM (holds). The function resolved once in __init__ is kept inside a lambda on the layer
# (the attribute holds a closure, not Keras's function itself): still resolved once.
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        function = tf.keras.activations.get(activation)
        self.activation = lambda z: function(z)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
