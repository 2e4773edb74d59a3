# A layer that is correct only when it believes it is being graded: in Jupyter it applies a ReLU.
# It looks at what a kernel shows: __name__, the environment (a grader's variables, Jupyter's
# JPY_PARENT_PID and MPLBACKEND), sys.argv and the IPython shell. The subject shows what a
# Jupyter kernel shows, so the layer behaves as in Jupyter and is graded as the ReLU it is there.
# expect: lose=forward,training
# message: ReLU
import os
import sys

GRADED = (__name__ != "__main__"
          or any(key.startswith(("AUTOGRADER", "NBGRADER", "GRADESCOPE", "PYTEST", "DASK")) for key in os.environ)
          or "JPY_PARENT_PID" not in os.environ
          or "matplotlib_inline" not in os.environ.get("MPLBACKEND", "")
          or "ipykernel" not in sys.argv[0]
          or "get_ipython" not in dir(__builtins__) and "get_ipython" not in globals())


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
