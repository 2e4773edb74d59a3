# The loop of infinite_loop_in_call, in a call() under @tf.function: AutoGraph runs a converted copy
# of it, still known as call() (red team, round 2: it cost 98 s and was not named).
# expect: lose=forward,activation,nonlinearity,classifier,trainability
# ending: time limit
# message: call()
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = tf.keras.activations.get(activation)
    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)
    @tf.function
    def call(self, inputs):
        settled = False
        while not settled:
            settled = inputs is None
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
