# The name is kept as a string and called as if it were a function.
# expect: lose=activation,nonlinearity,classifier,trainability
# message: tf.keras.activations.get
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
        outputs = tf.matmul(inputs, self.kernel) + self.bias
        return self.activation(outputs) if self.activation is not None else outputs
