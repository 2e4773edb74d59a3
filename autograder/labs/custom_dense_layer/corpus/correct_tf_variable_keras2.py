# The original lab's tf.Variable attributes: tracked by Keras 2 (on Keras 3 see untracked_tf_variable).
# expect: full
# when: TF_USE_LEGACY_KERAS=1
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super(SimpleDense, self).__init__()
        self.units = units

    def build(self, input_shape):
        w_init = tf.random_normal_initializer()
        self.w = tf.Variable(name="kernel", initial_value=w_init(shape=(input_shape[-1], self.units),
                                                                dtype="float32"), trainable=True)
        b_init = tf.zeros_initializer()
        self.b = tf.Variable(name="bias", initial_value=b_init(shape=(self.units,), dtype="float32"),
                             trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b
