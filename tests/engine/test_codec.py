"""What travels between a subject and the judge: arrays survive exactly, and malformed lines are refused."""
import base64
import json

import numpy as np
import pytest

from autograder import codec


def test_arrays_round_trip_exactly():
    message = {"outputs": np.arange(12, dtype=np.float32).reshape(3, 4) / 7, "flags": [True, None],
               "count": np.int64(3), "nested": {"kernel": np.eye(2)}}
    back = codec.loads(codec.dumps(message))
    assert back["outputs"].dtype == np.float32 and back["outputs"].tobytes() == message["outputs"].tobytes()
    assert back["count"] == 3 and back["flags"] == [True, None]
    assert np.array_equal(back["nested"]["kernel"], np.eye(2))


def array_line(dtype, shape, data: bytes) -> bytes:
    return json.dumps({"a": {codec.ARRAY_KEY: [dtype, shape, base64.b64encode(data).decode()]}}).encode()


@pytest.mark.parametrize("line", [
    array_line("object", [1], b"x" * 8),           # a dtype that could hold Python objects
    array_line("float32", [2, 2], b"\0" * 12),      # data that does not match the shape
    array_line("float32", [10**7], b""),             # more elements than any probe needs
    array_line("float32", [-1], b""),                # a negative size
    b"[" * 100_000 + b"]" * 100_000,                 # nesting deep enough to end a JSON parser
    b"not json",
    b'"a string, not an object"',
])
def test_malformed_lines_are_refused_not_raised(line):
    with pytest.raises(codec.DecodeError):
        codec.loads(line)


def test_well_formed_array_is_accepted():
    back = codec.loads(array_line("float64", [2], np.array([1.5, -2.0]).tobytes()))
    assert back["a"].tolist() == [1.5, -2.0]
