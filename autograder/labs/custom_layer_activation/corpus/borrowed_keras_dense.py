# SimpleDense is Keras's own Dense under another name: the activation argument comes for free.
# expect: zero
# message: inherits from Keras's own Dense
class SimpleDense(tf.keras.layers.Dense):
    def __init__(self, units=32, activation=None):
        super().__init__(units, activation=activation, kernel_initializer="random_normal")
