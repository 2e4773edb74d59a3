# build() reads the feature count from a TensorShape, as int(input_shape[-1]).
# expect: full
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = int(units)

    def build(self, input_shape):
        input_shape = tf.TensorShape(input_shape)
        features = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=tf.TensorShape([features, self.units]),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=tf.TensorShape([self.units]),
                                    initializer=tf.zeros_initializer(), trainable=True)
        super().build(input_shape)

    def call(self, inputs):
        inputs = tf.convert_to_tensor(inputs)
        return tf.linalg.matmul(inputs, self.kernel) + self.bias
