# RED TEAM (fails until fixed). A correct layer whose notebook wraps the grader's build probe in its own
# process: for the gradient check's square build only, it reports the kernel's shape as 8000 x 8000
# (the values it reports are the real, small ones). check_gradients_reach_weights sizes its random
# weights from the reported shape (rng.normal(size=kernel["shape"])), then encodes them to send: the
# judge allocates about 2 GB here. With 30000 x 30000 the judge needs over 20 GB: in an 8 GB memory
# cgroup the kernel killed grade-batch itself (exit -9), losing every later student's record, and every
# rerun dies on the same submission; on a 23 GB machine it is the global OOM killer's call who dies.
# Fix: never size a judge-side allocation from a number the subject reports: require the shapes the
# check asked for (or bound their product by codec.MAX_ELEMENTS) before drawing anything.
# Its honest code (a correct layer) earns every point but the gradient check's (its answer about the
# shapes is a lie; a judge that ignored the reported shape and used the one it asked for could give
# that point too), and its run ends normally.
# expect: lose=trainability
# ending: finished
# limits: timeout_s=60
import os

probes = getattr(os, "sys").modules["autograder.labs.custom_dense_layer.probes"]
real_build = probes.PROBES["build"]
SIDE = 8000


def build_with_a_big_story(entry, *, kwargs, input_shape, seed):
    facts = real_build(entry, kwargs=kwargs, input_shape=input_shape, seed=seed)
    if input_shape[0] == input_shape[1] == kwargs.get("units"):  # the gradient check's square build
        for variable in facts.get("variables", []):
            variable["shape"] = [SIDE, SIDE] if variable["name"] == "kernel" else [SIDE]
    return facts


probes.PROBES["build"] = build_with_a_big_story


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
