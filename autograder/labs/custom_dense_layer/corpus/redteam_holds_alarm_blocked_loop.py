# RED TEAM, holds. An endless loop in call() that first blocks SIGALRM, so the subject's soft time
# limit (an alarm signal) can never interrupt it, in the notebook's cells or in a check. The judge
# keeps its own deadline and ends the process at the cell's limit plus its grace: the loop costs the
# worker that, not the whole run. Graded with short limits: 2 s per cell and per check.
# The process is ended while the notebook runs, so nothing can be asked: it earns nothing.
# expect: zero
# ending: time limit
# message: did not stop at its time limit
# limits: timeout_s=30 check_timeout_s=2 cell_timeout_s=2
import signal


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        while True:
            pass
