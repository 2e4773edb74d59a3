# Keras 2 hands build() a TensorShape, so input_shape.as_list() is valid there.
# expect: full
# when: TF_USE_LEGACY_KERAS=1
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        features = input_shape.as_list()[-1]
        self.kernel = self.add_weight(name="kernel", shape=(features, self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
