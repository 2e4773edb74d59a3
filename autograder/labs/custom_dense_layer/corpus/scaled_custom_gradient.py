# A custom gradient that reports 90% of the kernel's true gradient: the output is right, training
# is slower than it should be, and only a check of the gradient's value (not its presence) sees why.
# expect: lose=trainability,training
# message: gradient that matches how the loss changes
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
        def damped(kernel):
            return tf.identity(kernel), lambda upstream: 0.9 * upstream
        return tf.matmul(inputs, damped(tf.identity(self.kernel))) + self.bias
