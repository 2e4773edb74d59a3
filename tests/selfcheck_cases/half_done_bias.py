# Half done: the kernel exists, the bias line is still missing, call() uses only the kernel.
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        # YOUR CODE HERE: the bias

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
