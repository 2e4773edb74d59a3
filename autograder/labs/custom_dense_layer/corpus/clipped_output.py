# call() clips its output to [-20, 20]: right for the lab's six points, wrong beyond them.
# expect: lose=forward,training
# message: clipped or squashed
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.clip_by_value(tf.matmul(inputs, self.kernel) + self.bias, -20.0, 20.0)
