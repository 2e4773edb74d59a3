# SimpleDense is Keras's own Dense under another name, with the lab's initializers: every number
# comes out right, but nothing of the layer was written.
# expect: zero
# message: inherits from Keras's own Dense
class SimpleDense(tf.keras.layers.Dense):
    def __init__(self, units=32):
        super().__init__(units, kernel_initializer=tf.random_normal_initializer(), bias_initializer="zeros")
