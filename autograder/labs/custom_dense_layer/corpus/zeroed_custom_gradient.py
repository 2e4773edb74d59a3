# A custom gradient that hands back zeros for the kernel: the gradient is there (not None), so
# only the loss moving while the gradient says it cannot shows that training never changes it.
# expect: lose=trainability,training
# message: no gradient for kernel
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        @tf.custom_gradient
        def frozen(kernel):
            return tf.identity(kernel), lambda upstream: tf.zeros_like(upstream)
        return tf.matmul(inputs, frozen(tf.identity(self.kernel))) + self.bias
