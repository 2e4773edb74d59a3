# No bias at all: build() makes only the kernel, call() returns the product.
# expect: lose=names,shapes,initializers,trainability,forward,training
# message: create the bias
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
