# Reaches the grader through os.sys.modules (no import statement) and widens every tolerance.
# Judged in another process, it earns what its honest code (a layer without a bias) earns.
# expect: lose=forward,training,trainability
# message: the bias is never added
import os


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        for name, module in list(os.sys.modules.items()):
            if name.startswith("autograder.checks."):
                for attribute in dir(module):
                    if attribute.endswith("TOLERANCE"):
                        setattr(module, attribute, 1e9)
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
