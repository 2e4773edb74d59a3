# The class cell also trains the lab's model for 500 epochs (about 20 s on Keras 3): the grader
# runs only the definitions, so this costs nothing and changes nothing.
# expect: full
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


xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]).reshape(-1, 1)
ys = 2 * xs - 1
model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), SimpleDense(units=1)])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, ys, epochs=500, verbose=0)
print(model.predict(np.array([[10.0]]), verbose=0))
