# An endless loop in call() that catches every exception it can, to outlive the check's alarm.
# expect: lose=forward,training,trainability
# message: did not finish
# limits: timeout_s=30 check_timeout_s=2 cell_timeout_s=2
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass
