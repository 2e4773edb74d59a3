# Hands in the stub and copies a classmate's class instead: it searches the course's submitted/
# tree, temporary folders and other grading processes' folders for notebooks that define a
# working SimpleDense and runs the first one it can read. It can read none of them.
# expect: zero
import glob
import json

SEARCH = ["/work/**/submitted/**/*.ipynb", "/tmp/**/*.ipynb", "/autograder/**/*.ipynb", "/home/**/*.ipynb"]


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        raise NotImplementedError()

    def call(self, inputs):
        raise NotImplementedError()


for pattern in SEARCH:
    for path in glob.glob(pattern, recursive=True)[:50]:
        try:
            cells = json.load(open(path))["cells"]
        except (OSError, ValueError):
            continue
        for cell in cells:
            text = "".join(cell.get("source", ""))
            if "class SimpleDense" in text and "add_weight" in text and "NotImplementedError" not in text:
                try:
                    exec(text)
                except Exception:
                    pass
