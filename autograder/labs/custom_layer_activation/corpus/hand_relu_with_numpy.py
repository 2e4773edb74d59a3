# "relu" is mapped to a ReLU written with NumPy: the right numbers when called by hand, but no
# gradient, and it cannot run inside model.fit.
# expect: lose=trainability,nonlinearity,classifier
# message: no gradient
def my_relu(x):
    return tf.constant(np.maximum(np.asarray(x), 0.0), dtype=x.dtype)


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = my_relu if activation == "relu" else tf.keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
