# A layer without a bias that replaces numpy.allclose inside build(), so every comparison agrees.
# Judged in another process, it earns what its honest code (a layer without a bias) earns.
# expect: lose=forward,training,trainability
# message: the bias is never added
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        np.allclose = lambda *args, **kwargs: True
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
