# build() never returns. Graded with short limits: 2 s per cell and per check, 8 s in all.
# expect: zero
# message: did not finish
# limits: timeout_s=8 check_timeout_s=2 cell_timeout_s=2
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        n = 0
        while True:
            n += 1

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
