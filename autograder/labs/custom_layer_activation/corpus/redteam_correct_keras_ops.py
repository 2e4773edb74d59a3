# RED TEAM (holds). Keras 3's own API throughout: keras.layers.Layer, keras.activations.get,
# keras.initializers and keras.ops for the product and the sum (no tf.* call in the layer).
# expect: full
# when: TF_USE_LEGACY_KERAS!=1
import keras


class SimpleDense(keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=keras.initializers.RandomNormal(stddev=0.05), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation(keras.ops.add(keras.ops.matmul(inputs, self.kernel), self.bias))
