# RED TEAM (holds). A correct layer whose call() is compiled with @tf.function, as TF 2 tutorials
# show: the activation is resolved once in __init__ and applied inside the traced function. The
# look-up counter, the stuck-call detector and the borrowed-layer gate must all leave it alone.
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = tf.keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    @tf.function
    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
