# SimpleDense holds a Keras Dense and hands every call to it.
# expect: zero
# message: wraps Keras's own Dense
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units
        self.inner = tf.keras.layers.Dense(units, kernel_initializer=tf.random_normal_initializer())

    def build(self, input_shape):
        self.inner.build(input_shape)

    def call(self, inputs):
        return self.inner(inputs)
