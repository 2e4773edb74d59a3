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

Commands (from the repository root, venv active; run each on both stacks, with
TF_USE_LEGACY_KERAS=1 for Keras 2)::

    python -m autograder.labs.custom_dense_layer.messy --list [--subset]
        the messes of this stack and their expected scores
    python -m autograder.labs.custom_dense_layer.messy --write DIR
        write every messy notebook as DIR/<name>.ipynb
    python -m autograder.labs.custom_dense_layer.messy --grade [-k TEXT] [--workers N]
        grade each with the kit's grader (``grade_notebook``, N subjects at a time, default 2);
        compare with its expected score and its expected cell reports
    python -m autograder.labs.custom_dense_layer.messy --agreement [--subset] [-k TEXT] [--keep DIR [--reuse]]
        grade each with the kit's grader AND with real ``nbgrader autograde`` in plain mode
        (AUTOGRADER_NBGRADER_JUDGE=0: the test cells run in the student's own kernel and are
        scored by what they show), every notebook a student of one scratch course (source/ and
        nbgrader_config.py copied, the assignment generated), all in one autograde call. Prints
        a table, the counts, and every disagreement with its reason and the checks that differ.
        Exit status 1 when a disagreement is not one listed here (``known``). --keep DIR keeps
        the course; --reuse prints the comparison again from a kept course without grading.

The kernels' ``!pip install`` lines really run under nbgrader: PIP_NO_INDEX=1 keeps them from
installing anything (pandas is not installed here, as on a grading server without it).

Measured on this 2-core machine, shared with other work (full set, one run each, ``--agreement``):

    stack    notebooks  agree  known disagreements (nbgrader's side)  unexpected  grader (2 workers)  nbgrader
    Keras 3  49         47     2                                      0           217 s               687 s
    Keras 2  48         46     2                                      0           184 s               507 s

The two: ``setup_cell_replaced`` (plain nbgrader's test cells need the set-up cell's ``run_check``)
and ``answer_cell_copied`` (nbgrader cannot autograde a notebook with a copied answer cell).
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

from autograder.corpus import KIT_ROOT, answer_cell_index, answer_source, release_notebook

from . import LAB

ANSWER_ID = "simple_dense"  # the released notebook's answer cell


def keras3_here() -> bool:
    """Whether ``tf.keras`` is Keras 3 in this environment (as TensorFlow decides, without importing it)."""
    return os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() not in ("1", "true", "yes")


# --------------------------------------------------------------------------- the registry


@dataclasses.dataclass(frozen=True)
class Mess:
    name: str
    make: Callable[[dict], dict]
    summary: str                 # the docstring's line: the mess, then the expected outcome
    lose: frozenset = frozenset()  # categories whose checks the graded cells fail ("*": every check)
    stack: str | None = None     # "keras3" or "keras2": only there (elsewhere it is not honest)
    cells: dict = dataclasses.field(default_factory=dict)
    """Cells the grader must report, by cell id: a text the report says (e.g. "SyntaxError"); a text
    starting with "?" marks a cell that may be reported or not (it may or may not finish in time)."""
    cells_keras3: dict | None = None  # the same, on Keras 3 when it differs there
    known: str = ""
    """Why the grader and nbgrader disagree on this notebook (empty: they must agree)."""
    grader_wrong: bool = False   # the known disagreement is the grader's mistake (nbgrader is right)
    known_stack: str | None = None  # the disagreement happens only on this stack ("keras3" or "keras2")
    uncertain: frozenset = frozenset()
    """Checks whose verdict on this notebook depends on the random draw of the run (never compared)."""
    subset: bool = False         # in the representative subset (the CI agreement test)
    slow: bool = False           # tens of seconds on Keras 3: graded by the documented full run, not in CI

    def runs_on(self, keras3: bool) -> bool:
        return self.stack is None or self.stack == ("keras3" if keras3 else "keras2")

    def disagreement(self, keras3: bool) -> str:
        """Why the grader and nbgrader are known to disagree here (empty: they must agree)."""
        if self.known_stack is not None and self.known_stack != ("keras3" if keras3 else "keras2"):
            return ""
        return self.known

    def grader_expected(self, keras3: bool) -> bool:
        """Whether the grader must give the expected score here (not a known mistake of the grader's)."""
        return not (self.grader_wrong and self.disagreement(keras3))

    def nbgrader_expected(self, keras3: bool) -> bool:
        """Whether plain nbgrader must give the expected score here (its kernel is not known to be fooled)."""
        return not (self.disagreement(keras3) and not self.grader_wrong)

    def failing_checks(self, checks) -> set[str]:
        return {c.name for c in checks if "*" in self.lose or c.category in self.lose}

    def expected_score(self, checks) -> float:
        failing = self.failing_checks(checks)
        return float(sum(c.max_points for c in checks if c.name not in failing))

    def as_expected(self, points: dict, checks) -> bool:
        """Whether ``points`` (check name -> points given) are this mess's, on every check not left to chance."""
        failing = self.failing_checks(checks)
        return all(points.get(c.name, 0.0) == (0.0 if c.name in failing else c.max_points)
                   for c in checks if c.name not in self.uncertain)

    def same(self, points: dict, other: dict, checks) -> bool:
        """Whether two gradings gave the same points on every check not left to chance."""
        return all(points.get(c.name, 0.0) == other.get(c.name, 0.0) for c in checks if c.name not in self.uncertain)

    def grader_points(self, grade, checks) -> dict:
        return points_of(grade)

    def nbgrader_points(self, book: "NbgraderResult", checks) -> dict:
        return dict(book.checks)

    def expected_cells(self, keras3: bool) -> dict:
        return self.cells_keras3 if keras3 and self.cells_keras3 is not None else self.cells

    def notebook(self) -> dict:
        return self.make(answered_release())


MESSES: dict[str, Mess] = {}


def mess(*, lose=(), stack=None, cells=None, cells_keras3=None, known="", grader_wrong=False, known_stack=None,
         uncertain=(), subset=False, slow=False):
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
                                     known_stack, frozenset(uncertain), subset, slow)
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


# A ReLU on a layer's output is wrong (forward and training), and its gradients check passes or
# fails with the draw: in about 1 run in 10 a pre-activation lies within the check's finite-difference
# step of 0, or every pre-activation of a small layer is negative (measured: 4 fails in 40 seeds).
RELU_UNCERTAIN = ("gradients_reach_weights",)


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


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@mess(cells={} if _installed("pandas") else {"pip-pandas": "ModuleNotFoundError", "loss-table": "NameError"},
      subset=True)
def pip_install_pandas(nb):
    """`!pip install pandas` then `import pandas` (missing where it is graded: a later table fails); full marks."""
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
    """`%matplotlib inline` on top of the student's own imports cell, and extra plots at the end; full marks."""
    insert_after(nb, "setup", code("my-imports", """
%matplotlib inline
from tensorflow.keras import layers
plt.rcParams["figure.figsize"] = (6, 4)
"""))
    set_source(nb, ANSWER_ID, class_code(base="layers.Layer"))
    return insert_after(nb, "plot", code("more-plots", """
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
axes[0].hist(np.random.normal(0, 0.05, 1000), bins=30)
axes[0].set_title("random normal, stddev 0.05")
axes[1].plot(xs, model.predict(xs, verbose=0), "o-")
axes[2].semilogy(losses)
plt.show()
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


@mess(lose=("*",), cells={ANSWER_ID: "?did not finish", "self-check": "NameError", "inspect": "NameError",
                          "train": "NameError", "predict": "NameError", "plot": "NameError"})
def timeit_magic_class_cell(nb):
    """`%%timeit` on the class cell: the class is defined only inside timeit's own function, so never; zero."""
    return set_source(nb, ANSWER_ID, "%%timeit\n" + solution())


@mess()
def ends_with_expressions(nb):
    """Cells that end with a bare expression Jupyter displays (a layer's output, the last loss, the weights); full."""
    insert_after(nb, ANSWER_ID, code("try-layer", "SimpleDense(2)(tf.ones((1, 3)))"))
    insert_after(nb, "train", code("last-loss", 'history.history["loss"][-1]'))
    return insert_after(nb, "predict", code("weights", "my_layer.variables"))


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
    """The stub left as released; build and call written later and attached (`SimpleDense.build = build`); full."""
    set_source(nb, ANSWER_ID, stub())
    body = solution().split("    def build(self, input_shape):", 1)[1]
    build, _, call = body.partition("    def call(self, inputs):")
    methods = ("def build(self, input_shape):" + "\n".join(line[4:] for line in build.splitlines())
               + "\ndef call(self, inputs):" + "\n".join(line[4:] for line in call.splitlines()))
    return insert_after(nb, ANSWER_ID, code("attach-methods", methods.strip() + """

SimpleDense.build = build
SimpleDense.call = call
"""))


@mess(lose=("forward", "training"), uncertain=RELU_UNCERTAIN, subset=True)
def relu_call_later(nb):
    """A later cell (before the graded ones) replaces SimpleDense.call with a ReLU version: forward, training lost."""
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


@mess()
def old_slow_fit(nb):
    """The original lab's `model.fit(xs, ys, epochs=500)` with progress bars (about 30 s on Keras 3); full marks."""
    return set_source(nb, "train", OLD_TRAINING.format(compile_extra="", fit_extra=""))


@mess(stack="keras3", slow=True)
def run_eagerly_slow_fit(nb):
    """`compile(run_eagerly=True)` to debug, then the old `fit(xs, ys, epochs=500)` (about 50 s on Keras 3); full."""
    return set_source(nb, "train", OLD_TRAINING.format(compile_extra=", run_eagerly=True", fit_extra=", verbose=0"))


@mess(lose=("forward", "training"), uncertain=RELU_UNCERTAIN, slow=True)
def slow_fit_then_relu(nb):
    """The old slow `fit`, and after the plot a cell replacing call with a ReLU version: forward and training lost."""
    set_source(nb, "train", OLD_TRAINING.format(compile_extra="", fit_extra=", verbose=0"))
    return insert_after(nb, "plot", code("relu-later", RELU_CALL))


@mess(cells={"train": "ValueError", "plot": "NameError"},
      cells_keras3={"train": "ValueError", "predict": "ValueError", "plot": "NameError"})
def one_dimensional_data(nb):
    """The original lab's training: 1-D xs, no Input, `Sequential([my_layer])` (fit fails in Jupyter too); full."""
    return set_source(nb, "train", """
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)

my_layer = SimpleDense(units=1)
model = tf.keras.Sequential([my_layer])
model.compile(optimizer="sgd", loss="mean_squared_error")
history = model.fit(xs, ys, epochs=500, verbose=0)
losses = history.history["loss"]
""")


@mess()
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


@mess()
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


# --------------------------------------------------------------------------- the messes: locked and graded cells


@mess(cells={"loss-table": "NameError"})
def setup_cell_edited(nb):
    """The locked set-up cell edited (`%matplotlib inline`, `import pandas`): restored, so `pd` fails later; full."""
    edit(nb, "setup", "import numpy as np\n", "%matplotlib inline\nimport numpy as np\nimport pandas as pd\n")
    return insert_after(nb, "train", code("loss-table", "pd.Series(losses).describe()"))


@mess(cells={"self-check": "NameError"}, subset=True,
      known="plain nbgrader's test cells call run_check, which only the released set-up cell imports: with that "
            "cell deleted they raise NameError in the kernel whatever the layer does (the kit's default mode, "
            "JudgeGrades, scores the layer and agrees with the grader)")
def setup_cell_replaced(nb):
    """The set-up cell deleted and replaced by the student's own imports (no run_check); the layer is right: full."""
    drop(nb, "setup")
    return insert_before(nb, "layer-explained", code("my-setup", """
import numpy as np
import tensorflow as tf
import matplotlib.pyplot as plt
"""))


@mess()
def graded_cells_edited_and_deleted(nb):
    """Two graded cells edited (a comment, a print) and the hidden ones deleted: all restored; full marks."""
    edit(nb, "test_forward_pass", "run_check(", "print('checking')\nrun_check(")
    edit(nb, "test_layer_builds", "# Graded check", "# I think this passes\n# Graded check")
    return drop(nb, "hidden_check_1", "hidden_check_2", "hidden_check_3")


@mess(known="nbgrader cannot autograde it: DeduplicateIds empties the nbgrader metadata of the earlier copy "
            "({}), and OverwriteCells.add_missing_task_cells (run because the kit sets add_missing_cells) "
            "then fails with KeyError: 'grade_id'; the same in the kit's judged mode (same sanitizers)")
def answer_cell_copied(nb):
    """The answer cell copied with its metadata (a wrong try in the original, the fix in the copy); full marks."""
    copied = copy.deepcopy(cell(nb, ANSWER_ID))
    copied["id"] = "simple-dense-copy"
    set_source(nb, ANSWER_ID, class_code(call_body="return inputs * self.kernel + self.bias  # broadcasting?"))
    return insert_after(nb, ANSWER_ID, copied)


@mess()
def gradient_tape_training(nb):
    """The training cell rewritten as a GradientTape loop of 500 steps (no fit); full marks."""
    return set_source(nb, "train", """
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]).reshape(-1, 1).astype("float32")
ys = 2 * xs - 1
tf.keras.utils.set_random_seed(0)
my_layer = SimpleDense(units=1)
model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), my_layer])
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
losses = []

@tf.function
def step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss

for epoch in range(500):
    losses.append(float(step(xs, ys)))
print(losses[0], losses[-1])
""")


# On Keras 3 the sweep's three old-style fits take about 90 s: stopped at the 60 s cell limit, as nbgrader
# stops it, and the ReLU cell still runs. A faster machine may finish the sweep.
@mess(lose=("forward", "training"), uncertain=RELU_UNCERTAIN, cells_keras3={"sweep": "?did not finish"},
      slow=True)
def slow_sweep_then_relu(nb):
    """The old slow `fit`, a learning-rate sweep with it, then a cell trying a ReLU in call: forward, training lost."""
    set_source(nb, "train", OLD_TRAINING.format(compile_extra="", fit_extra=", verbose=0"))
    return insert_after(nb, "train", code("sweep", """
for rate in (0.001, 0.01, 0.05):
    trial = tf.keras.Sequential([tf.keras.Input(shape=(1,)), SimpleDense(units=1)])
    trial.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=rate), loss="mean_squared_error")
    trial.fit(xs, ys, epochs=500, verbose=0)
    print(rate, trial.predict(np.array([[10.0]]), verbose=0))
"""), code("relu-later", RELU_CALL))


@mess(slow=True)
def baseline_first_in_class_cell(nb):
    """The class cell first trains Keras's own Dense the old slow way, as a baseline, then defines the class; full."""
    return set_source(nb, ANSWER_ID, """
# Baseline first: what does Keras's own Dense learn?
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]).reshape(-1, 1)
ys = 2 * xs - 1
baseline = tf.keras.Sequential([tf.keras.Input(shape=(1,)), tf.keras.layers.Dense(1)])
baseline.compile(optimizer="sgd", loss="mean_squared_error")
baseline.fit(xs, ys, epochs=500, verbose=0)
print("baseline at 10:", baseline.predict(np.array([[10.0]]), verbose=0))

""" + solution())


# --------------------------------------------------------------------------- the messes: cells after the graded ones


@mess(cells={"relu-at-end": "after the graded cells"})
def experiment_after_graded_cells(nb):
    """After the graded cells, a 'going further' cell tries a ReLU in call (the checks already ran); full marks."""
    return append(nb, markdown("further-md", "## Trying the next lab: an activation"),
                  code("relu-at-end", RELU_CALL + "\nprint(SimpleDense(1)(tf.constant([[-3.0]])))"))


@mess(lose=("*",), cells={"inspect": "NotImplementedError", "train": "NotImplementedError", "predict": "",
                          "plot": "NameError", "solution-at-end": "after the graded cells"})
def solution_after_graded_cells(nb):
    """The stub left in place, the solution pasted at the very end, after the graded cells: zero (they saw the stub)."""
    set_source(nb, ANSWER_ID, stub())
    return append(nb, code("solution-at-end", solution()))


def names(subset: bool = False, keyword: str = "", keras3: bool | None = None, quick: bool = False) -> list[str]:
    """The messes of a stack: all, the nbgrader ``subset``, or the ``quick`` ones (not slow: CI's)."""
    keras3 = keras3_here() if keras3 is None else keras3
    return [m.name for m in MESSES.values()
            if m.runs_on(keras3) and keyword in m.name and (m.subset or not subset) and not (quick and m.slow)]


def write_all(folder: str | Path, which: list[str] | None = None) -> dict[str, Path]:
    """Write each mess as ``folder/<name>.ipynb``; returns the paths by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in list(MESSES) if which is None else which:
        paths[name] = folder / f"{name}.ipynb"
        paths[name].write_text(json.dumps(MESSES[name].notebook(), indent=1, ensure_ascii=False) + "\n",
                               encoding="utf-8")
    return paths


# --------------------------------------------------------------------------- grading them: the kit's grader


def grade_all(which: list[str], workers: int = 2, seed: int | None = None) -> dict:
    """Each mess graded by the kit's grader (``grade_notebook``), ``workers`` at a time: name -> Grade.

    ``seed`` fixes the checks' draws (default: fresh for each notebook, as in real grading)."""
    from autograder.batch.executors import LocalExecutor
    from autograder.grading import grade_notebook

    def one(name):
        data = json.dumps(MESSES[name].notebook()).encode()
        return grade_notebook(data, LAB, name=f"{name}.ipynb", seed=seed)

    grades = {}
    with LocalExecutor(workers, labs=(LAB,)) as executor:
        for name, result in executor.map_unordered(one, which):
            if isinstance(result, BaseException):
                raise RuntimeError(f"{name}: the grader raised {type(result).__name__}: {result}") from result
            grades[name] = result
    return grades


def reported_cells(notebook: dict, grade) -> dict[str, str]:
    """The grade's cell reports by cell id (``#n`` for a cell without one): id -> report text."""
    ids = [c.get("id") or f"#{n}" for n, c in enumerate(notebook["cells"], start=1)]
    return {ids[report.number - 1]: report.text() for report in grade.cells}


def cell_problems(m: Mess, notebook: dict, grade, keras3: bool) -> list[str]:
    """How the grade's cell reports differ from the cells the mess makes fail (empty: as expected)."""
    found, wanted = reported_cells(notebook, grade), m.expected_cells(keras3)
    problems = [f"cell {cell_id} not reported (expected one saying {text!r})" for cell_id, text in wanted.items()
                if cell_id not in found and not text.startswith("?")]
    problems += [f"cell {cell_id}: {found[cell_id]!r} does not say {text.lstrip('?')!r}"
                 for cell_id, text in wanted.items()
                 if cell_id in found and text.lstrip("?").lower() not in found[cell_id].lower()]
    problems += [f"unexpected report: {text}" for cell_id, text in found.items() if cell_id not in wanted]
    return problems


# --------------------------------------------------------------------------- grading them: real nbgrader


ASSIGNMENT = LAB.name
NOTEBOOK = LAB.notebook_name


def nbgrader_environment(**extra: str) -> dict:
    """This environment, for nbgrader in plain mode.

    nbgrader runs ``alembic`` from the environment's bin/; its kernels import the kit from
    the repository. ``PIP_NO_INDEX``: a notebook's ``!pip install`` line really runs in
    the kernel, and must neither change this environment nor depend on the network.
    """
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(KIT_ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.update({"AUTOGRADER_NBGRADER_JUDGE": "0", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    env.update(extra)
    return env


def run_nbgrader(course: Path, *args: str, timeout: float = 7200, check: bool = True) -> str:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=nbgrader_environment(),
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result.stdout + result.stderr


def make_course(course: Path) -> None:
    """A scratch course: the kit's source/ and nbgrader_config.py, the assignment generated."""
    shutil.copytree(KIT_ROOT / "source", course / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy2(KIT_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    run_nbgrader(course, "generate_assignment", ASSIGNMENT)


@dataclasses.dataclass
class NbgraderResult:
    score: float | None  # None: nbgrader could not autograde the notebook at all
    checks: dict  # check name -> points given
    outputs: dict  # check name -> what its test cell showed when it scored 0 (first error line)
    failure: str = ""  # why nbgrader could not autograde it (from its log)

    def shown(self) -> str:
        return "failed" if self.score is None else f"{self.score:g}"


def nbgrader_all(which: list[str], course: Path) -> tuple[dict[str, NbgraderResult], float]:
    """Each mess as a student of ``course``, all autograded in one plain-nbgrader call: (results, seconds)."""
    if not (course / "gradebook.db").exists():
        make_course(course)
    for name in which:
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        (folder / NOTEBOOK).write_text(json.dumps(MESSES[name].notebook(), indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    started = time.monotonic()
    # nbgrader exits 1 when it could not autograde some notebook; the others are in the gradebook.
    log = run_nbgrader(course, "autograde", ASSIGNMENT, "--force", check=False)
    seconds = time.monotonic() - started
    (course / "autograde.log").write_text(log, encoding="utf-8")
    return read_gradebook(which, course, log), seconds


def log_by_student(log: str) -> dict[str, str]:
    """nbgrader's autograde log, cut where it starts on each student."""
    parts = re.split(r"^\[AutogradeApp \| INFO\] Creating/updating student with ID '([^']+)'", log, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def read_gradebook(which: list[str], course: Path, log: str | None = None) -> dict[str, NbgraderResult]:
    """What nbgrader made of each student of ``course`` (from its gradebook, autograded/ and log)."""
    from autograder.registry import grade_cell_id

    from nbgrader.api import Gradebook

    if log is None:
        log_file = course / "autograde.log"
        log = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    logs = log_by_student(log)
    checks = LAB.checks("all")
    ids = {c.name: grade_cell_id(c, checks) for c in checks}
    results = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for name in which:
            if not (course / "autograded" / name / ASSIGNMENT / NOTEBOOK).exists():
                errors = re.findall(r"^\s*(\w+(?:Error|Exception)\b.*)$", logs.get(name, ""), flags=re.M)
                results[name] = NbgraderResult(None, {c.name: 0.0 for c in checks}, {},
                                               errors[-1] if errors else "no autograded notebook")
                continue
            submission = gradebook.find_submission(ASSIGNMENT, name)
            given = {c.name: gradebook.find_grade(ids[c.name], NOTEBOOK[:-6], ASSIGNMENT, name).score
                     for c in checks}
            results[name] = NbgraderResult(float(submission.score), given,
                                           _zero_outputs(course / "autograded" / name / ASSIGNMENT / NOTEBOOK,
                                                         ids, given))
    return results


def _zero_outputs(path: Path, ids: dict, given: dict) -> dict:
    """What each test cell that scored 0 showed in the kernel (its error, on one line)."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    by_id = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in notebook["cells"]}
    shown = {}
    for name, grade_id in ids.items():
        if given.get(name):
            continue
        outputs = by_id.get(grade_id, {}).get("outputs", [])
        errors = [f"{o.get('ename')}: " + " / ".join(line.strip() for line in str(o.get("evalue", "")).splitlines()
                                                     if line.strip())
                  for o in outputs if o.get("output_type") == "error"]
        shown[name] = (errors[0] if errors else "no error shown")[:400]
    return shown


# --------------------------------------------------------------------------- the commands


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def points_of(grade) -> dict:
    return {c.name: c.points for c in grade.checks}


def command_grade(which: list[str], workers: int) -> int:
    keras3, checks = keras3_here(), LAB.checks("all")
    started = time.monotonic()
    grades = grade_all(which, workers)
    rows, wrong = [["mess", "expected", "grader", "s", "cells"]], 0
    for name in which:
        m, grade = MESSES[name], grades[name]
        expected = m.expected_score(checks)
        problems = cell_problems(m, m.notebook(), grade, keras3)
        scored = m.as_expected(m.grader_points(grade, checks), checks)
        ok = (scored == m.grader_expected(keras3)) and (not problems or not m.grader_expected(keras3))
        wrong += not ok
        note = "ok" if not problems else "; ".join(problems)[:120]
        if not m.grader_expected(keras3):
            note = "known grader mistake: " + ("still there" if not scored else "GONE, update messy.py")
        rows.append([name, f"{expected:g}", f"{grade.score:g}/{grade.max_score:g}", f"{grade.seconds:.1f}", note])
    print(_table(rows))
    print(f"Keras {'3' if keras3 else '2'}: {len(which) - wrong} of {len(which)} as expected "
          f"({time.monotonic() - started:.0f} s with {workers} workers)")
    return 0 if not wrong else 1


def command_agreement(which: list[str], workers: int, keep: str | None, reuse: bool = False) -> int:
    from autograder.results import Grade

    keras3, checks = keras3_here(), LAB.checks("all")
    course = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="messy-course-"))
    course.mkdir(parents=True, exist_ok=True)
    saved = course / "grader.json"
    print(f"{len(which)} messy notebooks, Keras {'3' if keras3 else '2'}; scratch course: {course}", flush=True)
    if reuse:  # the table again, from what an earlier run left in the course
        stored = json.loads(saved.read_text(encoding="utf-8"))
        missing = [name for name in which if name not in stored]
        if missing:
            print(f"not in that run (left out): {', '.join(missing)}")
        which = [name for name in which if name in stored]
        grades = {name: Grade.from_dict(stored[name]) for name in which}
        books, grader_seconds, nbgrader_seconds = read_gradebook(which, course), 0.0, 0.0
    else:
        started = time.monotonic()
        grades = grade_all(which, workers)
        grader_seconds = time.monotonic() - started
        saved.write_text(json.dumps({n: g.to_dict() for n, g in grades.items()}, indent=1), encoding="utf-8")
        print(f"grader: {grader_seconds:.0f} s ({workers} workers); now nbgrader autograde (plain mode)...",
              flush=True)
        books, nbgrader_seconds = nbgrader_all(which, course)

    rows = [["mess", "expected", "grader", "nbgrader", "verdict"]]
    agree, known, unexpected, notes = 0, [], [], []
    for name in which:
        m, grade, book = MESSES[name], grades[name], books[name]
        expected = m.expected_score(checks)
        mine, theirs = m.grader_points(grade, checks), m.nbgrader_points(book, checks)
        reason = m.disagreement(keras3)
        grader_ok, book_ok = m.as_expected(mine, checks), m.as_expected(theirs, checks)
        if m.same(mine, theirs, checks):
            agree += 1
            verdict = "agree" if grade.score == book.score else "agree (but on a check left to chance)"
            if not grader_ok:
                verdict += ", NOT AS EXPECTED"
                unexpected.append((name, "both gradings differ from the expected points"))
            if reason:
                notes.append(f"{name}: listed as a known disagreement, but the two agree now: update messy.py")
        elif reason and grader_ok == m.grader_expected(keras3) and book_ok == m.nbgrader_expected(keras3):
            verdict = "known: " + ("grader wrong" if m.grader_wrong else "nbgrader wrong")
            known.append((name, reason))
        else:
            verdict = "DISAGREE"
            unexpected.append((name, "not a known disagreement" if not reason else
                               "a known disagreement, but not the expected side is wrong"))
        rows.append([name, f"{expected:g}", f"{grade.score:g}", book.shown(), verdict])
    print(_table(rows))
    total = len(which)
    print(f"\nKeras {'3' if keras3 else '2'}: {total} notebooks; grader and nbgrader agree on {agree}, "
          f"known disagreements {len(known)}, unexpected {len(unexpected)}")
    if not reuse:
        print(f"time: grader {grader_seconds:.0f} s ({workers} workers), nbgrader autograde {nbgrader_seconds:.0f} s "
              f"(one call, one kernel at a time)")
    for name, reason in known:
        print(f"\n- {name} ({'grader' if MESSES[name].grader_wrong else 'nbgrader'} differs): {reason}")
        _explain(name, grades[name], books[name])
    for name, why in unexpected:
        print(f"\n! {name}: {why}")
        _explain(name, grades[name], books[name])
    for note in notes:
        print(f"\nnote: {note}")
    return 1 if unexpected else 0


def _explain(name: str, grade, book: NbgraderResult) -> None:
    if book.score is None:
        print(f"    nbgrader could not autograde it: {book.failure}")
    for check in grade.checks:
        given = book.checks.get(check.name, 0.0)
        if check.points != given:
            print(f"    {check.name}: grader {check.points:g}, nbgrader {given:g}"
                  + (f" (kernel: {book.outputs[check.name]})" if check.name in book.outputs else "")
                  + ("" if check.passed else f" (grader: {check.text[:140]})"))
    for report in grade.cells:
        print(f"    grader's cell report: {report.text()[:160]}")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.labs.custom_dense_layer.messy",
                                     description="Messy but honest notebooks of lab 1: write them, grade them, "
                                                 "compare the grader with plain nbgrader.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="DIR", help="write every messy notebook to DIR/<name>.ipynb")
    action.add_argument("--grade", action="store_true", help="grade each with the kit's grader")
    action.add_argument("--agreement", action="store_true", help="grade each with the grader and plain nbgrader")
    action.add_argument("--list", action="store_true", help="list the messes and their expected outcomes")
    parser.add_argument("--subset", action="store_true", help="only the representative subset (the CI test's)")
    parser.add_argument("-k", dest="keyword", default="", help="only messes whose name contains this")
    parser.add_argument("--workers", type=int, default=2, help="grader processes at a time (default 2)")
    parser.add_argument("--keep", metavar="DIR", help="make the scratch nbgrader course here, and keep it")
    parser.add_argument("--reuse", action="store_true",
                        help="with --agreement --keep DIR: print the comparison from an earlier run's DIR again")
    args = parser.parse_args(argv)
    which = names(args.subset, args.keyword)
    if not which:
        parser.error("no mess matches (on this stack)")
    if args.write:
        for name, path in write_all(args.write, which).items():
            print(path)
        return 0
    if args.list:
        checks = LAB.checks("all")
        for name in which:
            print(f"{name:34} {MESSES[name].expected_score(checks):4g}  {MESSES[name].summary}")
        return 0
    if args.grade:
        return command_grade(which, args.workers)
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    return command_agreement(which, args.workers, args.keep, args.reuse)


if __name__ == "__main__":
    sys.exit(main())
