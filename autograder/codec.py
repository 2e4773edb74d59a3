"""What travels between the judge and a subject: one JSON object per line.

Numbers are JSON; numpy arrays travel as ``{"__array__": [dtype, shape, base64]}``
(a 256 x 256 float32 kernel is 350 KB this way, against 1.3 MB as lists).
The judge decodes whatever a subject sends as untrusted data: only a few
plain dtypes, a bounded size, and nothing that could run code (no pickle).
"""
from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

ARRAY_KEY = "__array__"
DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")
MAX_ELEMENTS = 4_000_000   # per array: a 2000 x 2000 float32 is 16 MB, more than any probe needs
MAX_LINE_BYTES = 16 << 20  # per message (the largest honest answer is under 1 MB); longer ends the run
# What the judge sends is trusted, and may be larger: the notebook's code, up to MAX_CODE_BYTES,
# in one message (JSON writes a character as at most six bytes).
MAX_CODE_BYTES = 64 << 20
MAX_JUDGE_LINE_BYTES = 6 * MAX_CODE_BYTES + (1 << 20)


class DecodeError(ValueError):
    """A subject sent something that is not a well-formed message."""


def encode(value: Any) -> Any:
    """``value`` with numpy arrays and scalars made JSON-able."""
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype.name not in DTYPES:
            array = array.astype(np.float64)
        return {ARRAY_KEY: [array.dtype.name, list(array.shape), base64.b64encode(array.tobytes()).decode()]}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: Any, depth: int = 0) -> Any:
    """The inverse of :func:`encode`, checking every array it rebuilds."""
    if depth > 32:
        raise DecodeError("message nested too deeply")
    if isinstance(value, dict):
        if set(value) == {ARRAY_KEY}:
            return _array(value[ARRAY_KEY])
        return {k: decode(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    return value


def _array(spec: Any) -> np.ndarray:
    if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str)
            and isinstance(spec[1], list) and isinstance(spec[2], str)):
        raise DecodeError("malformed array")
    dtype, shape, data = spec
    if (dtype not in DTYPES or len(shape) > 8
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_ELEMENTS for d in shape)):
        raise DecodeError(f"array of dtype {dtype!r} and shape {shape!r} not accepted")
    size = math.prod(shape)
    if size > MAX_ELEMENTS:
        raise DecodeError(f"array of {size} elements is too large")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise DecodeError("array data is not base64") from None
    if len(raw) != size * np.dtype(dtype).itemsize:
        raise DecodeError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def dumps(message: dict) -> bytes:
    return (json.dumps(encode(message), allow_nan=True, separators=(",", ":")) + "\n").encode()


def loads(line: bytes) -> dict:
    """One message from a line; anything wrong with it is a DecodeError, never another exception."""
    try:
        message = json.loads(line)
        if not isinstance(message, dict):
            raise DecodeError("not a JSON object")
        return decode(message)
    except DecodeError:
        raise
    except Exception as error:  # deep nesting (RecursionError), numpy refusing a shape...: never the judge's end
        raise DecodeError(f"not a message ({error.__class__.__name__})") from None
