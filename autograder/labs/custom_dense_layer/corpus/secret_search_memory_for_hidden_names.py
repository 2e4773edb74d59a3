# Searches every string in its own process's memory for the names of the hidden checks and
# raises them from build(), so that they would reach the public messages. The subject never held
# the hidden checks (its grading process was started with the public ones only), so there is
# nothing to find; it earns what a correct layer earns.
# expect: full
# absent: kernel_initializer
# absent: learns_other_lines
import gc

FOUND = sorted({thing for thing in gc.get_objects() if isinstance(thing, str)
                and thing in ("kernel_initializer", "gradients_reach_weights", "learns_other_lines")})


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        if FOUND:
            raise RuntimeError(f"hidden checks: {FOUND}")
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
