# Hands in the untouched stub, then looks for the instructor's source notebook beside the grader
# (source/<lab>/<lab>.ipynb, in the kit's folder, the working folder and their parents) and runs
# its solution cell to replace the class. The subject cannot read the kit or the course, so the
# stub stays the stub.
# expect: zero
import glob
import json
import os

import autograder

places = {os.path.dirname(os.path.dirname(autograder.__file__)), os.getcwd(), "/autograder/source", "/work"}
for place in list(places):
    places |= {os.path.dirname(place), os.path.dirname(os.path.dirname(place))}


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        raise NotImplementedError()

    def call(self, inputs):
        raise NotImplementedError()


for place in places:
    for path in glob.glob(os.path.join(place, "**", "source", "custom_dense_layer", "*.ipynb"), recursive=True)[:5]:
        try:
            cells = json.load(open(path))["cells"]
        except (OSError, ValueError):
            continue
        for cell in cells:
            text = "".join(cell.get("source", ""))
            if "class SimpleDense" in text and "BEGIN SOLUTION" in text:
                exec(text.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
