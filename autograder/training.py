"""Train a layer exactly as the lab's ``model.fit(xs, ys, epochs=500)`` does, fast.

The lab trains ``Sequential([SimpleDense(1)])`` with SGD (learning rate 0.01)
on mean squared error for 500 epochs over six points. Six points fit in one
batch, so every epoch is one gradient step on the whole data set: the loop
below takes the same 500 steps with the same optimizer and loss. Measured
bitwise identical to ``model.fit`` on both Keras stacks (tests/test_training.py
keeps that true), and about 70 times faster on Keras 3, where fit spends
30-60 ms per epoch building a new data iterator.
"""
from __future__ import annotations

import dataclasses
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# The lab's data: y = 2x - 1 at six points, as an (n, 1) column (a 1-D array
# no longer works with model.fit on either stack).
LAB_XS = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=np.float32).reshape(-1, 1)
LAB_YS = 2.0 * LAB_XS - 1.0
LAB_EPOCHS = 500


@dataclasses.dataclass
class TrainingRun:
    model: object
    losses: list  # the loss at each step, as fit's history records it per epoch


def lab_model(layer):
    """The lab's model around a layer: one input feature, then the layer."""
    return tf.keras.Sequential([tf.keras.Input(shape=(1,)), layer])


def train_like_fit(layer, xs=LAB_XS, ys=LAB_YS, epochs: int = LAB_EPOCHS, learning_rate: float = 0.01) -> TrainingRun:
    """Wrap ``layer`` in the lab's model and take ``epochs`` full-batch SGD steps."""
    model = lab_model(layer)
    optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)
    loss_fn = tf.keras.losses.MeanSquaredError()
    inputs = tf.constant(xs, dtype=tf.float32)
    targets = tf.constant(ys, dtype=tf.float32)
    weights = model.trainable_variables
    if not weights:
        return TrainingRun(model, [])

    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(targets, model(inputs, training=True))
        gradients = tape.gradient(loss, weights)
        pairs = [(g, w) for g, w in zip(gradients, weights) if g is not None]
        if pairs:
            optimizer.apply_gradients(pairs)
        return loss

    # The whole loop is one graph: a Python loop of 500 calls into a
    # tf.function spends more time crossing into TensorFlow than computing.
    @tf.function(autograph=False)
    def train():
        def body(epoch, losses):
            return epoch + 1, losses.write(epoch, step())

        losses = tf.TensorArray(tf.float32, size=epochs)
        _, losses = tf.while_loop(lambda epoch, _: epoch < epochs, body, (tf.constant(0), losses))
        return losses.stack()

    return TrainingRun(model, [float(loss) for loss in train().numpy()])


def predict(model, x: float) -> float:
    return float(np.asarray(model(np.array([[x]], dtype=np.float32)))[0, 0])
