# The original lab's attribute names, self.w and self.b (the variables are still named kernel and
# bias): correct, and the notebook's demo cells, which read the weights by name, run too.
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                 initializer=tf.random_normal_initializer(), trainable=True)
        self.b = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b
