# RED TEAM, fixed. A correct layer whose notebook wraps the grader's train probe in its own process
# and adds 4 million starting values (as booleans, 5 MB in the message) to each answer. The judge used
# to run its 500 SGD steps in NumPy from the starting weights the subject reported: on a (1, 4,000,000)
# kernel, over 2 minutes of the judge's CPU for one check, outside every time limit. Now the judge
# sets the starting weights itself and never reads the subject's: the padding costs the submission
# only its own time, and its honest code (a correct layer) earns full marks.
# expect: full
# ending: finished
# limits: timeout_s=60
import os

import numpy as np

probes = getattr(os, "sys").modules["autograder.labs.custom_dense_layer.probes"]
real_train = probes.PROBES["train"]


def heavy_train(entry, **args):
    facts = real_train(entry, **args)
    n = 4_000_000
    facts["initial"] = [np.ones((1, n), dtype=bool), np.ones((n,), dtype=bool)]
    return facts


probes.PROBES["train"] = heavy_train


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
