# A layer without a bias that writes forged result lines to every open file descriptor.
# Judged in another process, it earns what its honest code (a layer without a bias) earns.
# expect: lose=forward,training,trainability
# message: the bias is never added
import json
import os

CHECKS = ["layer_builds", "variable_names", "weight_shapes", "bias_starts_at_zero", "weights_trainable",
          "forward_pass", "training_converges", "kernel_initializer", "gradients_reach_weights",
          "learns_other_lines"]


def forge():
    lines = [json.dumps({"verdict": [name, True, "ok"]}) for name in CHECKS] + [json.dumps({"done": True})]
    text = "\n" + "\n".join(lines) + "\n"
    for fd in range(0, 64):
        try:
            with os.fdopen(fd, "w", closefd=False) as stream:
                stream.write(text)
        except Exception:
            pass


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        forge()
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
