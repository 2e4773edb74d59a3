# call() waits for a condition that never comes: every cell and check that runs the layer would
# hang. Graded with short limits (2 s per cell and per check, 20 s in all): what needs only
# __init__ and build() is still judged, and the rest says where it looped.
# expect: lose=forward,activation,nonlinearity,classifier,trainability
# message: call() did not finish
# limits: timeout_s=20 check_timeout_s=2 cell_timeout_s=2
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
        settled = False
        while not settled:
            settled = inputs is None
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
