"""Messy but honest notebooks for lab 1, and how the grader's scores compare with nbgrader's.

Instructor only (like the corpus): every notebook here starts from the
released notebook with the lab's solution in its answer cell
(``autograder.corpus.answer_source``), then makes it look the way students
really hand it in: a Colab import, a ``!pip`` line, a scratch cell that does
not parse, ``%%time`` on the class cell, ``build`` attached in a later cell,
the old slow ``fit``, demo cells deleted... Each mess is a small function of
the notebook dict, registered with :func:`mess` and its expected outcome:
what the notebook earns when it runs top to bottom as ``nbgrader autograde``
runs it (every cell in order in one kernel, the graded cells where they
stand, an error in one cell not stopping the next). That is full marks
unless the mess changes the class that the graded cells see.

Commands (from the repository root, venv active)::

    python -m autograder.labs.custom_dense_layer.messy --write DIR
        write every messy notebook as DIR/<name>.ipynb
    python -m autograder.labs.custom_dense_layer.messy --grade [-k TEXT]
        grade each with the kit's grader; compare with its expected score
    python -m autograder.labs.custom_dense_layer.messy --agreement [--subset] [-k TEXT] [--keep DIR]
        grade each with the kit's grader AND with real `nbgrader autograde` in plain mode
        (AUTOGRADER_NBGRADER_JUDGE=0: the test cells run in the student's own kernel and are
        scored by their outputs), all notebooks as students of one scratch course in one
        autograde call; print a table, the counts and every disagreement with its reason.
        Exit status 1 when a disagreement is not one of the known ones listed here.

Run each on both stacks (prefix TF_USE_LEGACY_KERAS=1 for Keras 2).
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from autograder.corpus import KIT_ROOT, answer_cell_index, answer_source, release_notebook, stack_is_keras3

from . import LAB

ANSWER_ID = "simple_dense"  # the released notebook's answer cell


# --------------------------------------------------------------------------- the registry


@dataclasses.dataclass(frozen=True)
class Mess:
    name: str
    make: Callable[[dict], dict]
    summary: str                 # the docstring's line: the mess, then the expected outcome
    lose: frozenset = frozenset()  # categories whose checks the graded cells fail ("*": every check)
    stack: str | None = None     # "keras3" or "keras2": only there (elsewhere it is not honest)
    cells: dict = dataclasses.field(default_factory=dict)
    """Cells the grader must report, by cell id: a text the report says (e.g. "SyntaxError")."""
    cells_keras3: dict | None = None  # the same, on Keras 3 when it differs there
    known: str = ""
    """Why the grader and nbgrader disagree on this notebook (empty: they must agree)."""
    grader_wrong: bool = False   # the known disagreement is the grader's mistake (nbgrader is right)
    subset: bool = False         # in the representative subset (the CI agreement test)

    def runs_on(self, keras3: bool) -> bool:
        return self.stack is None or self.stack == ("keras3" if keras3 else "keras2")

    def failing_checks(self, checks) -> set[str]:
        return {c.name for c in checks if "*" in self.lose or c.category in self.lose}

    def expected_score(self, checks) -> float:
        failing = self.failing_checks(checks)
        return float(sum(c.max_points for c in checks if c.name not in failing))

    def expected_cells(self, keras3: bool) -> dict:
        return self.cells_keras3 if keras3 and self.cells_keras3 is not None else self.cells

    def notebook(self) -> dict:
        return self.make(answered_release())


MESSES: dict[str, Mess] = {}


def mess(*, lose=(), stack=None, cells=None, cells_keras3=None, known="", grader_wrong=False, subset=False):
    """Register a mess; its docstring's first line says what it is and what it should score."""
    def register(make):
        unknown = set(lose) - set(LAB.categories) - {"*"}
        if unknown:
            raise ValueError(f"{make.__name__}: unknown categories {sorted(unknown)}")
        doc = (make.__doc__ or "").strip().splitlines()
        if not doc:
            raise ValueError(f"{make.__name__}: say in a docstring what the mess is and what it should score")
        MESSES[make.__name__] = Mess(make.__name__, make, doc[0], frozenset(lose), stack, dict(cells or {}),
                                     None if cells_keras3 is None else dict(cells_keras3), known, grader_wrong,
                                     subset)
        return make
    return register


# --------------------------------------------------------------------------- notebook helpers


@functools.lru_cache(maxsize=1)
def _release_text() -> str:
    return release_notebook(LAB).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def solution() -> str:
    """The lab's answer, as a student types it."""
    return answer_source(LAB)


def answered_release() -> dict:
    """The released notebook with the lab's solution in its answer cell (a fresh copy)."""
    notebook = json.loads(_release_text())
    notebook["cells"][answer_cell_index(notebook)]["source"] = _lines(solution())
    return notebook


def _lines(source: str) -> list[str]:
    """A cell's source as Jupyter saves it: a list of lines."""
    source = source.strip("\n")
    return source.splitlines(keepends=True)


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def code(cell_id: str, source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [],
            "source": _lines(source)}


def markdown(cell_id: str, source: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(source)}


def position(notebook: dict, cell_id: str) -> int:
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("id") == cell_id:
            return index
    raise KeyError(f"the released notebook has no cell {cell_id!r}; update messy.py")


def cell(notebook: dict, cell_id: str) -> dict:
    return notebook["cells"][position(notebook, cell_id)]


def insert_after(notebook: dict, cell_id: str, *cells: dict) -> dict:
    index = position(notebook, cell_id) + 1
    notebook["cells"][index:index] = list(cells)
    return notebook


def insert_before(notebook: dict, cell_id: str, *cells: dict) -> dict:
    index = position(notebook, cell_id)
    notebook["cells"][index:index] = list(cells)
    return notebook


def append(notebook: dict, *cells: dict) -> dict:
    notebook["cells"].extend(cells)
    return notebook


def drop(notebook: dict, *cell_ids: str) -> dict:
    for cell_id in cell_ids:
        position(notebook, cell_id)  # each must exist
    notebook["cells"] = [c for c in notebook["cells"] if c.get("id") not in cell_ids]
    return notebook


def set_source(notebook: dict, cell_id: str, source: str) -> dict:
    cell(notebook, cell_id)["source"] = _lines(source)
    return notebook


def edit(notebook: dict, cell_id: str, old: str, new: str, count: int = 1) -> dict:
    """Replace ``old`` by ``new`` in a cell; ``old`` must be there (else the release changed: update this)."""
    text = source_of(cell(notebook, cell_id))
    if old not in text:
        raise ValueError(f"cell {cell_id!r} no longer contains {old!r}; update messy.py")
    return set_source(notebook, cell_id, text.replace(old, new, count))


def stub() -> str:
    """The answer cell as released (the student never touched it)."""
    released = json.loads(_release_text())
    return source_of(released["cells"][answer_cell_index(released)])


def class_code(*, call_body: str | None = None, name: str = "SimpleDense", base: str = "tf.keras.layers.Layer") -> str:
    """The solution's class, optionally with another call() body or base."""
    text = solution().replace("class SimpleDense(tf.keras.layers.Layer):", f"class {name}({base}):")
    if call_body is not None:
        head, _, _ = text.partition("    def call(self, inputs):")
        text = head + "    def call(self, inputs):\n" + "\n".join("        " + line for line in call_body.splitlines())
    return text


RELU_CALL = '''
def call_with_relu(self, inputs):
    """Trying the next lab's idea: an activation on the output."""
    return tf.nn.relu(tf.matmul(inputs, self.kernel) + self.bias)

SimpleDense.call = call_with_relu
'''

OLD_TRAINING = '''
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]).reshape(-1, 1)  # shape (6, 1)
ys = 2 * xs - 1

tf.keras.utils.set_random_seed(0)
my_layer = SimpleDense(units=1)
model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), my_layer])
model.compile(optimizer="sgd", loss="mean_squared_error"{compile_extra})
history = model.fit(xs, ys, epochs=500{fit_extra})

losses = history.history["loss"]
print(f"loss after epoch 1: {{losses[0]:.4f}}, after epoch {{len(losses)}}: {{losses[-1]:.6f}}")
'''


# --------------------------------------------------------------------------- the messes: environment


@mess(cells={"colab-drive": "ModuleNotFoundError"}, subset=True)
def colab_drive(nb):
    """Made on Colab: `from google.colab import drive` and `drive.mount` (fails off Colab); full marks."""
    nb["metadata"] = {"accelerator": "GPU", "colab": {"provenance": [], "gpuType": "T4"},
                      "kernelspec": {"display_name": "Python 3", "name": "python3"},
                      "language_info": {"name": "python"}}
    return insert_after(nb, "setup", code("colab-drive", """
from google.colab import drive
drive.mount('/content/drive')
%cd /content/drive/MyDrive/deep-learning/lab1
"""))


@mess(cells={"pip-pandas": "ModuleNotFoundError", "loss-table": "NameError"}, subset=True)
def pip_install_pandas(nb):
    """`!pip install pandas` then `import pandas` (not installed where it is graded), a later table of losses fails; full."""
    insert_after(nb, "setup", code("pip-pandas", """
!pip install pandas
import pandas as pd
"""))
    return insert_after(nb, "train", code("loss-table", """
table = pd.DataFrame({"epoch": range(1, len(losses) + 1), "loss": losses})
table.tail()
"""))


@mess(cells={"input-name": "Error"})
def input_call(nb):
    """An `input()` prompt (no stdin when graded: the cell fails); full marks."""
    return insert_after(nb, "setup", code("input-name", """
student_name = input("Your name: ")
print(f"Lab 1 by {student_name}")
"""))


@mess()
def magics_and_shell(nb):
    """autoreload, %env, !nvidia-smi, a %%bash cell, %%html, `SimpleDense?` help; full marks."""
    insert_after(nb, "setup", code("magics", """
%load_ext autoreload
%autoreload 2
%env TF_CPP_MIN_LOG_LEVEL=2
!nvidia-smi
!python --version
"""), code("bash-cell", """
%%bash
echo "where am I?"
pwd
"""))
    return insert_after(nb, ANSWER_ID, code("help-lookup", """
SimpleDense?
tf.keras.layers.Layer.add_weight?
"""), code("html-note", """
%%html
<b>Layer written, now checking it.</b>
"""))


@mess()
def matplotlib_inline_plots(nb):
    """`%matplotlib inline` and extra plots (weights, predictions, a seaborn style that is missing); full."""
    insert_after(nb, "setup", code("mpl-inline", """
%matplotlib inline
plt.rcParams["figure.figsize"] = (6, 4)
"""))
    return insert_after(nb, "plot", code("more-plots", """
try:
    plt.style.use("seaborn-v0_8-darkgrid")
except OSError:
    pass
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
axes[0].hist(np.random.normal(0, 0.05, 1000), bins=30)
axes[0].set_title("random normal, stddev 0.05")
axes[1].plot(xs, model.predict(xs, verbose=0), "o-")
axes[2].semilogy(losses)
plt.show()
display(fig)
"""))


# --------------------------------------------------------------------------- the messes: cells that fail


@mess(cells={"scratch-syntax": "SyntaxError"}, subset=True)
def scratch_syntax_error(nb):
    """A scratch cell under the class that does not parse (a missing parenthesis); full marks."""
    return insert_after(nb, ANSWER_ID, code("scratch-syntax", """
# quick test
out = SimpleDense(4)(tf.ones((2, 3))
print(out.shape)
"""))


@mess(cells={"config-class": "NameError"})
def unrelated_class_raises(nb):
    """An unrelated class whose body raises (NameError on an undefined constant); full marks."""
    return insert_after(nb, "setup", code("config-class", """
class TrainingConfig:
    learning_rate = 0.01
    epochs = EPOCHS  # set later
"""))


@mess(cells={"my-assert": "AssertionError"})
def student_assert_fails(nb):
    """The student's own too-strict assert on the prediction fails; full marks."""
    return insert_after(nb, "predict", code("my-assert", """
assert abs(prediction - 19) < 1e-3, f"prediction {prediction} is not 19"
"""))


@mess(cells={"plot": "NameError"})
def deletes_variable_used_later(nb):
    """A clean-up cell `del xs, ys` after training; the plot cell then fails (NameError); full marks."""
    return insert_after(nb, "predict", code("cleanup", """
# free some memory
del xs, ys
"""))


# --------------------------------------------------------------------------- the messes: the class cell


@mess(subset=True)
def time_magic_class_cell(nb):
    """`%%time` on the class cell (IPython runs the cell and prints its time); full marks."""
    return set_source(nb, ANSWER_ID, "%%time\n" + solution())


@mess(lose=("*",), cells={"self-check": "NameError", "inspect": "NameError",
                          "train": "NameError", "predict": "NameError", "plot": "NameError"})
def timeit_magic_class_cell(nb):
    """`%%timeit` on the class cell: the class is defined only inside timeit's own function, so never; zero."""
    return set_source(nb, ANSWER_ID, "%%timeit\n" + solution())


@mess()
def capture_magic_training(nb):
    """`%%capture` on the training cell and `%time` on the prediction; full marks."""
    set_source(nb, "train", "%%capture training_log\n" + source_of(cell(nb, "train")))
    return edit(nb, "predict", "prediction = float(", "%time prediction = float(")


@mess()
def original_w_b_names(nb):
    """The original lab's attribute names `self.w` and `self.b` (the weights still named kernel and bias); full."""
    edit(nb, ANSWER_ID, "self.kernel = self.add_weight(", "self.w = self.add_weight(")
    edit(nb, ANSWER_ID, "self.bias = self.add_weight(", "self.b = self.add_weight(")
    return edit(nb, ANSWER_ID, "tf.matmul(inputs, self.kernel) + self.bias", "tf.matmul(inputs, self.w) + self.b")


@mess()
def tabs_and_unicode(nb):
    """The class indented with tabs, comments in other scripts and emoji; full marks."""
    text = re.sub(r"^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), solution(), flags=re.M)
    return set_source(nb, ANSWER_ID, "# Übung 1: Schicht ✅ — 自定义层 🚀\n" + text)


@mess()
def layer_imported_directly(nb):
    """`from tensorflow.keras.layers import Layer` and `class SimpleDense(Layer)`; full marks."""
    return set_source(nb, ANSWER_ID, "from tensorflow.keras.layers import Layer\n\n"
                      + class_code(base="Layer"))


@mess()
def class_cell_runs_demo(nb):
    """The class cell also tries the layer on a batch and prints the result; full marks."""
    return set_source(nb, ANSWER_ID, solution() + """

layer = SimpleDense(3)
print(layer(tf.ones((2, 4))))
print([v.name for v in layer.variables])
""")


# --------------------------------------------------------------------------- the messes: Keras 2 and 3


@mess(subset=True)
def keras_alias_if_else(nb):
    """A `keras` alias chosen with if/else on the set-up's keras_version, the class on `keras.layers.Layer`; full."""
    insert_after(nb, "setup", code("keras-alias", """
if keras_version.startswith("3"):
    import keras
else:
    import tf_keras as keras
print("using", keras.__name__, keras.__version__)
"""))
    return set_source(nb, ANSWER_ID, class_code(base="keras.layers.Layer"))


@mess(subset=True)
def keras_alias_try_except(nb):
    """A `keras` alias chosen with try/except (tf_keras when it is TensorFlow's Keras, else tf.keras); full."""
    insert_after(nb, "setup", code("keras-alias", """
try:
    import tf_keras as keras
    assert keras.__version__ == keras_version, "tf_keras is not TensorFlow's Keras here"
except (ImportError, AssertionError):
    keras = tf.keras
"""))
    return set_source(nb, ANSWER_ID, class_code(base="keras.layers.Layer"))


@mess(stack="keras3")
def standalone_keras_import(nb):
    """`import keras` and `keras.layers.Layer` (the same Keras as tf.keras on Keras 3); full marks."""
    return set_source(nb, ANSWER_ID, "import keras\n\n" + class_code(base="keras.layers.Layer"))


@mess(stack="keras2", subset=True)
def input_shape_as_list(nb):
    """Keras 2 only: `input_shape.as_list()[-1]` (Keras 2 gives build() a TensorShape); full marks."""
    return edit(nb, ANSWER_ID, "shape=(input_shape[-1], self.units)", "shape=(input_shape.as_list()[-1], self.units)")


@mess()
def branches_on_keras_version(nb):
    """build() branches on the set-up cell's keras_version (TensorShape.as_list() on Keras 2); full marks."""
    edit(nb, ANSWER_ID, "        self.kernel = self.add_weight(\n", """\
        if keras_version.startswith("2"):
            features = input_shape.as_list()[-1]  # Keras 2 passes a TensorShape
        else:
            features = input_shape[-1]
        self.kernel = self.add_weight(
""")
    return edit(nb, ANSWER_ID, "shape=(input_shape[-1], self.units)", "shape=(features, self.units)")


# --------------------------------------------------------------------------- the messes: the class, changed later


@mess(subset=True)
def methods_attached_later(nb):
    """The stub left as released; build and call written in a later cell, attached with `SimpleDense.build = build`; full."""
    set_source(nb, ANSWER_ID, stub())
    body = solution().split("    def build(self, input_shape):", 1)[1]
    build, _, call = body.partition("    def call(self, inputs):")
    methods = ("def build(self, input_shape):" + "\n".join(line[4:] for line in build.splitlines())
               + "\ndef call(self, inputs):" + "\n".join(line[4:] for line in call.splitlines()))
    return insert_after(nb, ANSWER_ID, code("attach-methods", methods.strip() + """

SimpleDense.build = build
SimpleDense.call = call
"""))


@mess(lose=("forward", "training"), subset=True)
def relu_call_later(nb):
    """A later cell replaces SimpleDense.call with a ReLU version (before the graded cells): forward and training lost."""
    return insert_after(nb, "plot", code("relu-later", RELU_CALL))


@mess()
def first_attempt_kept(nb):
    """A first, wrong attempt (no bias in call) left in the answer cell, the fixed class in a new cell below; full."""
    set_source(nb, ANSWER_ID, class_code(call_body="return tf.matmul(inputs, self.kernel)  # TODO bias?"))
    return insert_after(nb, ANSWER_ID, code("second-attempt", "# fixed version\n" + solution()))


@mess()
def stub_then_solution_below(nb):
    """The stub left untouched, the whole solution pasted in a new cell right below it; full marks."""
    set_source(nb, ANSWER_ID, stub())
    return insert_after(nb, ANSWER_ID, code("my-solution", solution()))


@mess()
def helper_reads_losses(nb):
    """A helper function, defined before training, whose body reads the training global `losses`; full marks."""
    insert_after(nb, ANSWER_ID, code("helpers", """
def summarize_training(every=100):
    for epoch in range(0, len(losses), every):
        print(f"epoch {epoch + 1:4d}: loss {losses[epoch]:.6f}")
    return losses[-1]
"""))
    return insert_after(nb, "train", code("use-helper", "final_loss = summarize_training()"))


@mess()
def hyperparameter_sweep(nb):
    """Extra cells train the layer with three learning rates (the lab's fast loop); full marks."""
    return insert_after(nb, "predict", code("sweep", """
for rate in (0.001, 0.01, 0.05):
    tf.keras.utils.set_random_seed(0)
    trial = tf.keras.Sequential([tf.keras.Input(shape=(1,)), SimpleDense(units=1)])
    trial.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=rate), loss="mean_squared_error")
    trial.fit(batches, epochs=500, steps_per_epoch=1, verbose=0)
    print(rate, float(trial.predict(np.array([[10.0]]), verbose=0)[0, 0]))
"""))


# --------------------------------------------------------------------------- the messes: the training cell


@mess(cells={}, cells_keras3={"train": "did not finish", "predict": "", "plot": ""})
def old_slow_fit(nb):
    """The original lab's `model.fit(xs, ys, epochs=500)` with progress bars (about 30 s on Keras 3); full marks."""
    return set_source(nb, "train", OLD_TRAINING.format(compile_extra="", fit_extra=""))


@mess(stack="keras3", cells_keras3={"train": "did not finish", "predict": "", "plot": ""})
def run_eagerly_slow_fit(nb):
    """`compile(run_eagerly=True)` to debug, then the old `fit(xs, ys, epochs=500)` (about 50 s on Keras 3); full."""
    return set_source(nb, "train", OLD_TRAINING.format(compile_extra=", run_eagerly=True", fit_extra=", verbose=0"))


@mess(lose=("forward", "training"), cells_keras3={"train": "did not finish", "predict": "", "plot": ""})
def slow_fit_then_relu(nb):
    """The old slow `fit`, and after the plot a cell replacing call with a ReLU version: forward and training lost."""
    set_source(nb, "train", OLD_TRAINING.format(compile_extra="", fit_extra=", verbose=0"))
    return insert_after(nb, "plot", code("relu-later", RELU_CALL))


@mess()
def one_dimensional_data(nb):
    """The original lab's training: 1-D xs, no Input, `Sequential([my_layer])`, `fit(xs, ys, epochs=500)`; full."""
    return set_source(nb, "train", """
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)

my_layer = SimpleDense(units=1)
model = tf.keras.Sequential([my_layer])
model.compile(optimizer="sgd", loss="mean_squared_error")
history = model.fit(xs, ys, epochs=50, verbose=0)
losses = history.history["loss"]
""")


@mess(cells={"flood": ""})
def print_flood(nb):
    """A cell printing 20 000 lines and the training with verbose=2 (500 epoch lines); full marks."""
    edit(nb, "train", "verbose=0", "verbose=2")
    return insert_after(nb, "train", code("flood", """
for step in range(20000):
    print(f"step {step}: kernel {my_layer.variables[0].numpy().ravel()[0]:.4f}" if step % 5000 == 0 else step)
"""))


@mess()
def saves_model_file(nb):
    """Saves the trained model and its weights to files beside the notebook, then loads the weights back; full."""
    return insert_after(nb, "predict", code("save-model", """
model.save("simple_dense_model.keras")
model.save_weights("simple_dense.weights.h5")
copy = tf.keras.Sequential([tf.keras.Input(shape=(1,)), SimpleDense(units=1)])
copy.load_weights("simple_dense.weights.h5")
print(copy.predict(np.array([[10.0]]), verbose=0))
"""))


@mess()
def writefile_module(nb):
    """The class written to simple_dense.py with `%%writefile` and imported from it (stub left in place); full."""
    set_source(nb, ANSWER_ID, stub())
    return insert_after(nb, ANSWER_ID, code("writefile", "%%writefile simple_dense.py\nimport tensorflow as tf\n\n"
                                            + solution()),
                        code("import-module", "from simple_dense import SimpleDense"))


# --------------------------------------------------------------------------- the messes: notebook structure


@mess()
def demo_cells_deleted(nb):
    """The look-inside, training, prediction and plot cells (and their text) deleted; full marks."""
    return drop(nb, "inspect-intro", "inspect", "train-intro", "train", "predict", "plot-intro", "plot")


@mess()
def self_check_removed(nb):
    """The self-check cell and its heading deleted; full marks."""
    return drop(nb, "self-check-intro", "self-check")


@mess()
def markdown_added(nb):
    """Notes added in markdown (with code blocks that mention SimpleDense) and a raw cell; full marks."""
    insert_after(nb, ANSWER_ID, markdown("my-notes", """
### My notes
The kernel is `(features, units)`. I first wrote

```python
class SimpleDense(tf.keras.layers.Layer):
    def call(self, inputs):
        return inputs * self.kernel
```
which broadcasts instead of multiplying matrices. $y = xW + b$.
"""))
    insert_after(nb, "plot", {"cell_type": "raw", "id": "raw-notes", "metadata": {},
                              "source": _lines("SimpleDense.call = None  # raw cells never run")})
    return insert_before(nb, "graded-intro", markdown("reflection", "**Reflection:** the loss fell below 1e-3."))


@mess()
def saved_with_outputs(nb):
    """Saved after a run: execution counts, printed output, an error traceback and a PNG; full marks."""
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    count = 0
    for item in nb["cells"]:
        if item["cell_type"] != "code":
            continue
        count += 1
        item["execution_count"] = count
        item["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["ran\n"]}]
    cell(nb, "plot")["outputs"] = [{"data": {"image/png": png, "text/plain": ["<Figure size 1100x400 with 2 Axes>"]},
                                    "metadata": {}, "output_type": "display_data"}]
    cell(nb, "test_forward_pass")["outputs"] = [
        {"ename": "NameError", "evalue": "name 'run_check' is not defined", "output_type": "error",
         "traceback": ["NameError: name 'run_check' is not defined"]}]
    return nb


@mess()
def old_nbformat_no_ids(nb):
    """Saved by an older Jupyter: nbformat 4.4, no cell ids, sources as single strings; full marks."""
    nb["nbformat"], nb["nbformat_minor"] = 4, 4
    for item in nb["cells"]:
        item.pop("id", None)
        item["source"] = source_of(item)
    return nb


@mess(cells={"clear-session": ""})
def seeds_and_clear_session(nb):
    """Scratch cells that seed everything and clear the Keras session mid-notebook; full marks."""
    insert_after(nb, "setup", code("seeds", """
import random
random.seed(42)
np.random.seed(42)
tf.random.set_seed(42)
"""))
    return insert_after(nb, "predict", code("clear-session", """
tf.keras.backend.clear_session()
print(model.predict(np.array([[10.0]]), verbose=0))
"""))


# --------------------------------------------------------------------------- the messes: cells after the graded ones


@mess(known="nbgrader's test cells run where they stand, before the student's cells that follow them; the "
            "grader probes the class after every cell has run, so it grades the ReLU experiment",
      grader_wrong=True)
def experiment_after_graded_cells(nb):
    """After the graded cells, a 'going further' cell tries a ReLU in call (the checks already ran); full marks."""
    return append(nb, markdown("further-md", "## Trying the next lab: an activation"),
                  code("relu-at-end", RELU_CALL + "\nprint(SimpleDense(1)(tf.constant([[-3.0]])))"))


@mess(lose=("*",), cells={"self-check": "", "inspect": "NotImplementedError", "train": "NotImplementedError",
                          "predict": "", "plot": ""},
      known="nbgrader's test cells run where they stand, so they check the stub; the grader probes the class "
            "after every cell has run, so it grades the solution pasted below them",
      grader_wrong=True)
def solution_after_graded_cells(nb):
    """The stub left in place and the solution pasted at the very end, after the graded cells: zero (they saw the stub)."""
    set_source(nb, ANSWER_ID, stub())
    return append(nb, code("solution-at-end", solution()))


def names(subset: bool = False, keyword: str = "", keras3: bool | None = None) -> list[str]:
    keras3 = stack_is_keras3() if keras3 is None else keras3
    return [m.name for m in MESSES.values()
            if m.runs_on(keras3) and keyword in m.name and (m.subset or not subset)]


def write_all(folder: str | Path, which: list[str] | None = None) -> dict[str, Path]:
    """Write each mess as ``folder/<name>.ipynb``; returns the paths by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in which or list(MESSES):
        paths[name] = folder / f"{name}.ipynb"
        paths[name].write_text(json.dumps(MESSES[name].notebook(), indent=1, ensure_ascii=False) + "\n",
                               encoding="utf-8")
    return paths
