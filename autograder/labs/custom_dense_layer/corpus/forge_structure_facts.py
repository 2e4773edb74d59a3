# Writes no build() at all, but replaces the grader's build probe in its own process with one
# that reports the variables a correct build() would make (the right names, shapes, zero bias,
# normal draws for the kernel). Facts about structure come from the subject by design; lying
# about them earns exactly what writing build() would, and costs more: the checks of the
# forward pass, gradients and training still need a layer that computes.
# expect: lose=forward,training,trainability
import numpy as np
import os

probes = getattr(os, "sys").modules["autograder.labs.custom_dense_layer.probes"]


def fake_build(entry, *, kwargs, input_shape, seed):
    units = kwargs.get("units", 32)
    rng = np.random.default_rng(seed)
    return {"is_layer": True, "base_initialized": True, "units": units, "keras_bases": [], "sublayers": [],
            "of_the_entry": True,
            "variables": [{"name": "kernel", "attribute": "kernel", "shape": [input_shape[-1], units],
                           "dtype": "float32", "trainable": True, "tracked": True,
                           "values": rng.normal(0.0, 0.05, (input_shape[-1], units)).astype(np.float32)},
                          {"name": "bias", "attribute": "bias", "shape": [units], "dtype": "float32",
                           "trainable": True, "tracked": True, "values": np.zeros(units, np.float32)}]}


def fake_construct(entry, *, kwargs):
    return {"is_layer": True, "base_initialized": True, "units": kwargs.get("units", 32), "keras_bases": [],
            "of_the_entry": True}


probes.PROBES["build"] = fake_build
probes.PROBES["construct"] = fake_construct


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        raise NotImplementedError()

    def call(self, inputs):
        raise NotImplementedError()
