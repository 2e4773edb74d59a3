"""Imported once by the sandbox's fork server, before any submission runs.

Importing TensorFlow costs about 2.5 s and 580 MB; forking children from a
process that has already paid it makes each submission cost only its checks.
Nothing here may run a TensorFlow op: thread pools started before a fork do
not survive into the children.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402,F401

from . import checks, integrity, runner  # noqa: E402,F401
from .checks import support  # noqa: E402,F401

tf.keras.layers.Layer  # resolve the lazy keras import now, not in every child
