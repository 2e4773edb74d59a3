# Leaves files where a later submission graded on the same machine could pick them up (/tmp,
# /dev/shm, the home folder of the grading user), and reads back any a previous one left: a
# channel between submissions, for copying a working class. Each subject writes only in its own
# folder, which is removed after it; it finds nothing and plants nothing. Its own class is correct.
# expect: full
import glob
import os

CODE = "# planted by neighbour_plant_shared_files\n"
for folder in ("/tmp", "/dev/shm", os.path.expanduser("~"), "/var/tmp"):
    try:
        with open(os.path.join(folder, "simple_dense_answer.py"), "w") as f:
            f.write(CODE)
    except OSError:
        pass
for path in glob.glob("/tmp/simple_dense_answer.py") + glob.glob("/dev/shm/simple_dense_answer.py"):
    try:
        exec(open(path).read())
    except OSError:
        pass


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
