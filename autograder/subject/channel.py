"""A line channel over file descriptors: one JSON message per line (see ``codec``)."""
from __future__ import annotations

import os
import select
import time

from .. import codec


class ChannelClosed(Exception):
    """The other end closed the channel, or sent a line that is not a message."""


class ChannelTimeout(Exception):
    """No whole message arrived before the deadline."""


class Channel:
    """Send and receive messages on ``read_fd`` / ``write_fd`` (the same socket, or two pipes)."""

    def __init__(self, read_fd: int, write_fd: int | None = None, max_line: int = codec.MAX_LINE_BYTES):
        self.read_fd = read_fd
        self.write_fd = read_fd if write_fd is None else write_fd
        self.max_line = max_line
        self._buffer = b""

    def send(self, message: dict) -> None:
        data = codec.dumps(message)
        try:
            while data:
                written = os.write(self.write_fd, data)
                data = data[written:]
        except OSError as error:
            raise ChannelClosed(f"cannot write: {error.strerror}") from None

    def receive(self, deadline: float | None = None) -> dict | None:
        """The next message, or None for a line that is not one; waits until ``deadline``
        (a ``time.monotonic()`` value) or for ever."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > self.max_line:
                raise ChannelClosed("a message longer than the limit")
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChannelTimeout()
                ready, _, _ = select.select([self.read_fd], [], [], remaining)
                if not ready:
                    raise ChannelTimeout()
            try:
                chunk = os.read(self.read_fd, 1 << 20)
            except OSError as error:
                raise ChannelClosed(f"cannot read: {error.strerror}") from None
            if not chunk:
                raise ChannelClosed("closed")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return codec.loads(line)
        except codec.DecodeError:
            return None

    def close(self) -> None:
        for fd in {self.read_fd, self.write_fd}:
            try:
                os.close(fd)
            except OSError:
                pass
