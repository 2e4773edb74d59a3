# A ReLU after a large negative shift: every output is 0 and every gradient is truly 0, since no
# small move of the weights changes the loss. The gradients are right for the function the layer
# computes (the forward and training checks judge the function), so the trainability check keeps.
# expect: lose=forward,training
# message: does not change when the weights change
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.nn.relu(tf.matmul(inputs, self.kernel) + self.bias - 1e6)
