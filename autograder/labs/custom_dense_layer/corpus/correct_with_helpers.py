# Docstrings, a module-level helper, helper methods, a property and get_config.
# expect: full
def _normal_kernel():
    """The lab's kernel initializer."""
    return tf.random_normal_initializer(mean=0.0, stddev=0.05)


class SimpleDense(tf.keras.layers.Layer):
    """A dense layer without activation: outputs = inputs @ kernel + bias."""

    def __init__(self, units=32):
        """Keep the number of units."""
        super().__init__()
        self.units = units

    def _make(self, name, shape, initializer):
        return self.add_weight(name=name, shape=shape, initializer=initializer, trainable=True)

    def build(self, input_shape):
        """Create kernel (features, units) and bias (units,)."""
        self.kernel = self._make("kernel", (input_shape[-1], self.units), _normal_kernel())
        self.bias = self._make("bias", (self.units,), "zeros")

    @property
    def output_size(self):
        return self.units

    def _affine(self, inputs):
        return tf.matmul(inputs, self.kernel) + self.bias

    def call(self, inputs):
        """The forward pass."""
        outputs = self._affine(inputs)
        return outputs

    def get_config(self):
        return {**super().get_config(), "units": self.units}
