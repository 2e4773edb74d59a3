# "softmax" is written by hand and normalizes each column (the batch) instead of each example.
# expect: lose=activation,classifier
# message: over the batch
def column_softmax(z):
    e = tf.exp(z - tf.reduce_max(z, axis=0, keepdims=True))
    return e / tf.reduce_sum(e, axis=0, keepdims=True)


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = column_softmax if activation == "softmax" else tf.keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
