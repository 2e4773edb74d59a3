# The token theft again, with the frame handed over by a signal handler (Python does not audit
# that) and the signal module taken from the module table through getattr (no source scan can
# read that). A KNOWN GAP: the checks run in the submission's own process, so whatever the grader can
# write, this code can write too. Kept so that the day the gap closes, this case says so.
# Judged in another process, it earns what its honest code (a layer without a bias) earns.
# expect: lose=forward,training,trainability
# message: the bias is never added
import json
import os

CHECKS = ["layer_builds", "variable_names", "weight_shapes", "bias_starts_at_zero", "weights_trainable",
          "forward_pass", "training_converges", "kernel_initializer", "gradients_reach_weights",
          "learns_other_lines"]


def forge():
    signal = getattr(getattr(os, "s" + "ys"), "mod" + "ules")["sig" + "nal"]
    caught = []
    signal.signal(signal.SIGUSR2, lambda number, frame: caught.append(frame))
    signal.raise_signal(signal.SIGUSR2)
    frame = caught[0]
    while frame is not None:
        found = getattr(frame, "f_" + "locals")
        if "token" in found and "write_fd" in found:
            with os.fdopen(found["write_fd"], "w", closefd=False) as pipe:
                for name in CHECKS:
                    pipe.write(json.dumps({"verdict": [name, True, "ok"], "token": found["token"]}) + "\n")
                pipe.write(json.dumps({"done": True, "token": found["token"]}) + "\n")
            return
        frame = getattr(frame, "f_" + "back")


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
