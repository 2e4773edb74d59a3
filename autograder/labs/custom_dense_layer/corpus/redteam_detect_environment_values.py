# RED TEAM (fails until fixed). A layer that is correct only when it believes it is graded, and a
# ReLU in Jupyter. It reads no grader variable: it looks at the *values* of the environment, where
# HOME and TMPDIR name the subject's folder, /tmp/autograder-subject-XXXXXXXX. A Jupyter kernel's
# HOME is the student's home. Fix: give the subject a folder whose path says nothing (e.g. a HOME
# like /home/jovyan or the notebook's own folder, bind-mounted or named neutrally).
# Its honest code (what it does in Jupyter) is a ReLU.
# expect: lose=forward,training
# message: ReLU
# limits: timeout_s=60
import os

GRADED = any("autograder" in value for value in os.environ.values())


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
