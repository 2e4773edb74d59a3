# RED TEAM, holds. Hands in the stub and looks for the lab's solution through Python rather than
# through paths: the notebook generator imported by name, pkgutil.get_data and importlib.resources on
# the lab's package, inspect.getsource of the lab's loaded modules, linecache, and the released and
# source notebooks beside the kit. The subject never imported the generator (it holds the solution),
# and every file of the kit and the course is refused to it; the preloaded modules hold only what
# students may read. It runs whatever solution it finds.
# The stub stays the stub: it earns nothing.
# expect: zero
# limits: timeout_s=60
import importlib
import importlib.resources
import inspect
import json
import linecache
import os
import pkgutil

import autograder

PACKAGE = "autograder.labs.custom_dense_layer"
found = []
try:
    found.append(inspect.getsource(importlib.import_module(PACKAGE + ".notebook")))
except Exception:
    pass
for read in (lambda: pkgutil.get_data(PACKAGE, "notebook.py").decode(),
             lambda: importlib.resources.files(PACKAGE).joinpath("notebook.py").read_text(),
             lambda: "".join(linecache.getlines(os.path.join(os.path.dirname(autograder.__file__), "labs",
                                                              "custom_dense_layer", "notebook.py")))):
    try:
        found.append(read())
    except Exception:
        pass
kit = os.path.dirname(os.path.dirname(autograder.__file__))
for folder in ("source", "release"):
    try:
        cells = json.load(open(os.path.join(kit, folder, "custom_dense_layer", "custom_dense_layer.ipynb")))["cells"]
        found += ["".join(c.get("source", "")) for c in cells]
    except Exception:
        pass


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        raise NotImplementedError()

    def call(self, inputs):
        raise NotImplementedError()


for text in found:
    start = text.find("class SimpleDense")
    if "### BEGIN SOLUTION" in text and start >= 0:
        end = text.find("\'\'\'", start)
        try:
            exec(text[start:end if end > 0 else None].replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
            break
        except Exception:
            pass
