# A correct layer whose call() prints 32 MB each time: printing is not a mistake, and must not stall grading.
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        for _ in range(32):
            print("debug " * 174763)
        return tf.matmul(inputs, self.kernel) + self.bias
