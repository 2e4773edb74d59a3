# build() imports the grader and widens its training tolerances.
# Judged in another process, it earns what its honest code (a layer without a bias) earns.
# expect: lose=forward,training,trainability
# message: the bias is never added
class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        import autograder.labs.custom_dense_layer.public as public
        public.FORWARD_RTOL = public.TRAINED_WEIGHT_TOLERANCE = public.TRAINED_PREDICTION_TOLERANCE = 1e9
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)
