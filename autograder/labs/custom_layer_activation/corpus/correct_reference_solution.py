# The lab's own answer: the activation resolved in __init__ with tf.keras.activations.get, applied
# in call() to tf.matmul plus the bias. Every cell of the notebook runs too: with no network in the
# grader, the images come from scikit-learn's bundled digits (the offline path), and nothing fails.
# expect: full
# absent: the next cells still ran
# absent: , stopped
# absent: not run
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = tf.keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
