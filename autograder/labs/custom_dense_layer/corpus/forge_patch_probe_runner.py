# Replaces the probe runner inside its own process (reached through the module table, without an
# import statement) with one that answers every question with canned facts. The verdicts are
# decided in another process, from answers to questions drawn for this run, so canned facts
# (wrong shapes, wrong outputs) earn nothing: the stub earns what the stub earns.
# expect: zero
import os

modules = getattr(os, "sys").modules


def canned(probes, entry, name, args, budget_s):
    return {"answer": {"is_layer": True, "base_initialized": True, "units": 4, "keras_bases": [],
                       "sublayers": [], "variables": [], "outputs": [[0.0]], "gradients": []}}


for module_name in ("autograder.probing", "autograder.subject.agent", "autograder.selfcheck"):
    if module_name in modules:
        setattr(modules[module_name], "run_probe", canned)


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        raise NotImplementedError()

    def call(self, inputs):
        raise NotImplementedError()
