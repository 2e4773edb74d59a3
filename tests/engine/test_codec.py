"""What travels between a subject and the judge: arrays survive exactly, and malformed lines are refused."""
import base64
import json

import os
import socket
import time

import numpy as np
import pytest

from autograder import codec
from autograder.subject.channel import Channel, ChannelClosed, ChannelTimeout


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
    array_line("float32", [0, 2**63], b""),          # no elements, but a dimension numpy refuses
    array_line("float32", [True, 2], b"\0" * 8),     # a flag where a size belongs
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


def test_channel_skips_junk_lines_and_keeps_messages_whole():
    judge_end, subject_end = socket.socketpair()
    subject_end.sendall(b"\n" * 5000 + b"junk\n" + codec.dumps({"op": "answer", "n": np.arange(3)})
                        + b"\n" * 10)
    channel = Channel(judge_end.detach())
    deadline = time.monotonic() + 60
    received = [channel.receive(deadline) for _ in range(5002)]
    assert received[:5001] == [None] * 5001
    assert received[5001]["op"] == "answer" and received[5001]["n"].tolist() == [0, 1, 2]
    subject_end.close()


def test_channel_keeps_to_its_deadline_while_junk_is_buffered():
    judge_end, subject_end = socket.socketpair()
    subject_end.sendall(b"\n" * 100_000)
    channel = Channel(judge_end.detach())
    assert channel.receive(time.monotonic() + 60) is None  # the buffer now holds the rest
    with pytest.raises(ChannelTimeout):
        channel.receive(time.monotonic() - 1.0)
    subject_end.close()


def test_channel_refuses_a_line_longer_than_its_limit():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"x" * 5000)
    with pytest.raises(ChannelClosed):
        Channel(read_fd, write_fd, max_line=1000).receive(time.monotonic() + 60)
