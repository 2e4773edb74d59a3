# RED TEAM (fails until fixed). A layer that is correct only when it believes it is graded, and a
# ReLU in Jupyter. It asks the IPython shell what it is: a Jupyter kernel's get_ipython() is a
# ZMQInteractiveShell (with a .kernel); the subject's is a plain InteractiveShell. Fix: run the
# cells in a shell of the kernel's class (or a subclass named like it, with a kernel attribute).
# Its honest code (what it does in Jupyter) is a ReLU.
# expect: lose=forward,training
# message: ReLU
# limits: timeout_s=60
GRADED = type(get_ipython()).__name__ != "ZMQInteractiveShell" or not hasattr(get_ipython(), "kernel")


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        outputs = tf.matmul(inputs, self.kernel) + self.bias
        return outputs if GRADED else tf.nn.relu(outputs)
