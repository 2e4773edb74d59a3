# keras.Variable attributes, which Keras 3 tracks (tf.keras.Variable does not exist in Keras 2).
# expect: full
# when: TF_USE_LEGACY_KERAS!=1
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = tf.keras.Variable(
            initializer=tf.keras.initializers.RandomNormal(stddev=0.05),
            shape=(input_shape[-1], self.units), name="kernel", trainable=True,
        )
        self.bias = tf.keras.Variable(initializer="zeros", shape=(self.units,), name="bias", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
