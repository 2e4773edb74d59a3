# The kernel has an L2 regularizer (10.0): model.fit adds it to the loss, so the lab's own fit
# takes this layer to a prediction of 5.83 at 10, not 19.
# expect: lose=training
# message: adds a loss of its own
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(),
                                      regularizer=tf.keras.regularizers.L2(10.0), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
