# The released stub, submitted as it is (with a release, its own class cell is graded).
# expect: zero
# message: NotImplementedError
# source: release-stub
class SimpleDense(tf.keras.layers.Layer):
    """A dense layer without an activation: outputs = inputs @ kernel + bias."""

    def __init__(self, units=32):
        """Store the number of units (outputs) of the layer."""
        super().__init__()
        self.units = units

    def build(self, input_shape):
        """Create the weights, now that the number of input features is known.

        kernel: shape (input_shape[-1], self.units), random normal start, trainable
        bias:   shape (self.units,), starts at zero, trainable
        """
        # YOUR CODE HERE
        raise NotImplementedError()

    def call(self, inputs):
        """Compute the layer's output for a batch of inputs."""
        # YOUR CODE HERE
        raise NotImplementedError()
