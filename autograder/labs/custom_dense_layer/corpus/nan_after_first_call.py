# A layer whose outputs turn to NaN after its first call (it counts its calls): a fresh layer's
# first answer is right, so only a check that calls one layer again sees it. The gradient check
# measures the loss on one built layer at many settings of its weights, and a loss that is not a
# number is a failure there, not a measurement to give the benefit of the doubt.
# expect: lose=trainability,training
# message: finite outputs
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units
        self.calls = 0

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        self.calls += 1
        outputs = tf.matmul(inputs, self.kernel) + self.bias
        return outputs if self.calls == 1 else outputs * float("nan")
