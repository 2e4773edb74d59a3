# A layer that never applies its activation, plus two probes replaced in its own process by a
# 1-nearest-neighbour lookup on the labelled training data that travels with the question (red team,
# round 2: it scored 24/28). The judge computes the outputs from the trained weights: no such weights.
# expect: lose=activation,nonlinearity,classifier
# message: trained weights
import os
import numpy as np

probes = getattr(os, "sys").modules["autograder.labs.custom_layer_activation.probes"]

def nearest(train_x, train_y, query):
    a = np.asarray(train_x, np.float64).reshape(len(train_x), -1)
    q = np.asarray(query, np.float64).reshape(len(query), -1)
    d = (q * q).sum(1)[:, None] - 2 * q @ a.T + (a * a).sum(1)[None, :]
    return np.asarray(train_y)[d.argmin(1)]

def fake_xor(entry, *, xs, ys, points, **rest):
    y = nearest(xs, ys, points)
    return {"logits": [np.where(y > 0.5, 5.0, -5.0), np.zeros(len(points))]}

def fake_classifier(entry, *, x_train, y_train, x_test, **rest):
    y = nearest(x_train, y_train, x_test).astype(int)
    return {"probabilities": np.eye(10)[y], "losses": []}

probes.PROBES["learn_two_features"] = fake_xor
probes.PROBES["classify_images"] = fake_classifier

class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = tf.keras.activations.get(activation)
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)
    def call(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias
