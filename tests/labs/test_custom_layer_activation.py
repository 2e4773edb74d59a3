"""Lab 2 (custom_layer_activation): what its checks take for granted, shown on both Keras stacks.

* the judge's NumPy activations are Keras's own, name by name (the forward checks compare with them);
* the digits the judge reads from scikit-learn's file are the ones ``load_digits()`` gives;
* the XOR probe trains its ReLU and its linear model side by side in one ``fit``: each learns exactly
  what it learns alone;
* the look-up counter sees ``tf.keras.activations.get`` called in ``call()``, and nothing for a layer
  that resolved its activation once;
* the notebook runs top to bottom in a real Jupyter kernel with no network (the images then come
  from scikit-learn), with no error and nothing on stderr.

Everything else about the lab (its checks on right and wrong layers) is in its corpus, which
``test_corpus.py`` grades.
"""
from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from autograder.lab import load_lab  # noqa: E402
from autograder.labs.custom_layer_activation import expected, probes, public  # noqa: E402
from conftest import ROOT  # noqa: E402

LAB = "custom_layer_activation"


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32, activation=None):
        super().__init__()
        self.units = units
        self.activation = tf.keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=tf.random_normal_initializer(), trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)


class LooksUpEveryCall(SimpleDense):
    def __init__(self, units=32, activation=None):
        super().__init__(units, None)
        self.identifier = activation

    def call(self, inputs):
        return tf.keras.activations.get(self.identifier)(tf.matmul(inputs, self.kernel) + self.bias)


@pytest.mark.parametrize("name", sorted(expected.NAMED))
def test_numpy_activations_are_keras_own(name):
    z = np.random.default_rng(0).uniform(-6.0, 6.0, size=(5, 7)).astype(np.float32)
    keras = np.asarray(tf.keras.activations.get(name)(tf.constant(z)), np.float64)
    np.testing.assert_allclose(expected.activation(name)(z.astype(np.float64)), keras, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(expected.CALLABLES))
def test_the_judges_callables_are_the_probes(kind):
    spec = public.draw_callable(np.random.default_rng(3), kinds=(kind,))
    z = np.random.default_rng(1).uniform(-6.0, 6.0, size=(4, 3)).astype(np.float32)
    subject = np.asarray(probes.resolve_activation(spec)(tf.constant(z)), np.float64)
    np.testing.assert_allclose(expected.activation(spec)(z.astype(np.float64)), subject, rtol=1e-5, atol=1e-6)


def test_the_judges_digits_are_scikit_learns():
    from sklearn.datasets import load_digits

    images, labels = expected.digits()
    digits = load_digits()
    np.testing.assert_array_equal(images, digits.images / 16.0)
    np.testing.assert_array_equal(labels, digits.target)


def test_side_by_side_training_is_training_alone():
    rng = np.random.default_rng(7)
    points, labels = expected.xor_points(rng, 200)
    common = dict(units=public.XOR_UNITS, xs=points[:100], ys=labels[:100], points=points[100:], steps=50,
                  learning_rate=public.XOR_LEARNING_RATE, seed=11)
    alone = probes.PROBES["learn_two_features"](SimpleDense, hidden=[{"activation": "relu"}], **common)["logits"]
    both = probes.PROBES["learn_two_features"](SimpleDense, hidden=[{"activation": "relu"}, {"activation": None}],
                                               **common)["logits"]
    assert len(both) == 2 and not np.allclose(both[0], both[1])
    np.testing.assert_allclose(both[0], alone[0], rtol=1e-4, atol=1e-4)


def test_the_lookup_counter_sees_lookups_in_call():
    inputs = np.ones((2, 3), np.float32)
    args = dict(kwargs={"units": 4, "activation": "relu"}, input_shape=[2, 3], seed=0, inputs=inputs)
    assert probes.PROBES["activation_facts"](SimpleDense, **args)["lookups"] == 0
    assert probes.PROBES["activation_facts"](LooksUpEveryCall, **args)["lookups"] >= 2


@pytest.mark.slow
def test_the_notebook_runs_offline_in_a_real_kernel(monkeypatch, tmp_path):
    """The source notebook, top to bottom in a Jupyter kernel, with every download refused."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    # A proxy on a closed local port: any download fails at once, as on a firewalled server.
    for variable in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))  # no MNIST cached from an earlier run
    notebook = nbformat.read(str(ROOT / "source" / LAB / f"{LAB}.ipynb"), as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [(cell.get("id"), output) for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    errors = [(cid, o["ename"], o["evalue"][:200]) for cid, o in outputs if o["output_type"] == "error"]
    assert not errors
    # TensorFlow's start-up lines may reach stderr under the set-up cell (the notebook says so; it is not
    # graded); anywhere else, stderr would cost a graded cell its points.
    stderr = [(cid, o["text"][:200]) for cid, o in outputs
              if o["output_type"] == "stream" and o["name"] == "stderr" and cid != "setup"]
    assert not stderr
    printed = "".join(o.get("text", "") for _, o in outputs if o["output_type"] == "stream")
    assert "using scikit-learn's 8x8 digits instead" in printed
    public_checks = len(load_lab(LAB).checks("public"))
    shown = "".join(o.get("data", {}).get("text/plain", "") for _, o in outputs)
    assert f"{public_checks} of {public_checks} public checks passed" in shown  # the self-check, in the kernel
    assert sum(1 for _, o in outputs if "image/png" in o.get("data", {})) >= 5  # the notebook's plots
