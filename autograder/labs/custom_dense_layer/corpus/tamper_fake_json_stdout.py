# A layer without a bias that prints forged "all passed" result lines on stdout.
# Judged in another process, it earns what its honest code (a layer without a bias) earns.
# expect: lose=forward,training,trainability
# message: the bias is never added
import json
import sys

CHECKS = ["layer_builds", "variable_names", "weight_shapes", "bias_starts_at_zero", "weights_trainable",
          "forward_pass", "training_converges", "kernel_initializer", "gradients_reach_weights",
          "learns_other_lines"]


def forge():
    for stream in (sys.stdout, sys.__stdout__, sys.stderr):
        for name in CHECKS:
            print(json.dumps({"verdict": [name, True, "ok"]}), file=stream, flush=True)
            print(json.dumps([{"name": name, "passed": True, "points": 3}]), file=stream, flush=True)
        print(json.dumps({"done": True, "score": 17, "max_score": 17}), file=stream, flush=True)


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units
        forge()

    def build(self, input_shape):
        forge()
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
