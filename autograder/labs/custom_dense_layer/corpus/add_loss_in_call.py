# call() adds a penalty on the bias with add_loss: model.fit minimises it with the error, and the
# layer does not learn the line.
# expect: lose=training
# message: adds a loss of its own
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        self.add_loss(5.0 * tf.reduce_sum(tf.square(self.bias)))
        return tf.matmul(inputs, self.kernel) + self.bias
