# Looks for the grader's hidden checks on disk (beside the grader's package, wherever it is
# installed) and, if it can read them, raises their text from build() so that it would land in
# the public checks' failure messages, which students see. The subject cannot read the kit, so it
# falls back to its honest code (a layer without a bias) and nothing of the file appears.
# expect: lose=forward,training,trainability
# message: the bias is never added
# absent: MIN_DRAWS
# absent: KNOWN_INITIALIZERS
import glob
import os

import autograder


def hidden_text():
    roots = {os.path.dirname(autograder.__file__), os.getcwd(), "/autograder/source", "/work", "/tmp"}
    for root in roots:
        for path in glob.glob(os.path.join(root, "**", "hidden.py"), recursive=True)[:20]:
            try:
                with open(path) as f:
                    return f.read()
            except OSError:
                continue
    return ""


STOLEN = hidden_text()


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        if STOLEN:
            raise RuntimeError(STOLEN[:900])
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
