# tf.Variable attributes, as the original lab wrote them: Keras 3 does not track them.
# expect: lose=trainability,training
# message: Keras 3 does not track
# when: TF_USE_LEGACY_KERAS!=1
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        w_init = tf.random_normal_initializer()
        self.kernel = tf.Variable(name="kernel", initial_value=w_init(shape=(input_shape[-1], self.units),
                                                                     dtype="float32"), trainable=True)
        self.bias = tf.Variable(name="bias", initial_value=tf.zeros((self.units,)), trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
