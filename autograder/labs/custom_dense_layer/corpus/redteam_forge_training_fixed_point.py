# RED TEAM (fails until fixed). A layer without a bias that replaces the grader's train probe in its
# own process: it does no gradient descent at all, it fits the line the question carries (xs and ys
# travel with the question) with np.polyfit and reports the fitted slope and intercept as both the
# starting and the trained weights. The judge runs its SGD from the starting weights the subject
# reports, and from the exact solution SGD does not move: "training" passes. Ten lines of NumPy,
# less work than the SGD the check claims to verify. Fix: the judge should set the starting weights
# of the train probe itself (as forward_pass sets the weights it tests with), so the answer needs 500
# steps of the right SGD from weights the subject did not choose.
# Its honest code (a layer without a bias) earns no training points.
# expect: lose=forward,training,trainability
# message: the bias is never added
# limits: timeout_s=60
import os

import numpy as np

probes = getattr(os, "sys").modules["autograder.labs.custom_dense_layer.probes"]


def fixed_point_train(entry, *, kwargs, xs, ys, epochs, learning_rate, seed, points, **ignored):
    slope, intercept = np.polyfit(np.ravel(xs), np.ravel(ys), 1)
    kernel, bias = np.array([[slope]], np.float32), np.array([intercept], np.float32)
    held = [{"name": name, "attribute": name, "shape": list(value.shape), "dtype": "float32", "trainable": True,
             "tracked": True, "values": value} for name, value in (("kernel", kernel), ("bias", bias))]
    return {"initial": [kernel, bias], "variables": held, "trainable_count": 2, "extra_losses": 0,
            "predictions": slope * np.asarray(points, np.float64) + intercept, "mean_loss": 0.0}


probes.PROBES["train"] = fixed_point_train


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
