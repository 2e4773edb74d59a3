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
        # Read lines are consumed by moving an offset, not by slicing the buffer: a flood of
        # short lines (1 MB of bare newlines, say) costs the reader one pass, not one copy per line.
        self._buffer = bytearray()
        self._start = 0

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
        (a ``time.monotonic()`` value) or for ever. The deadline is checked on every line, so junk
        lines cannot keep the reader past it."""
        if deadline is not None and time.monotonic() >= deadline:
            raise ChannelTimeout()
        end = self._buffer.find(b"\n", self._start)
        while end < 0:
            if len(self._buffer) - self._start > self.max_line:
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
            if self._start:
                del self._buffer[:self._start]
                self._start = 0
            searched = len(self._buffer)
            self._buffer += chunk
            end = self._buffer.find(b"\n", searched)
        line = bytes(self._buffer[self._start:end])
        self._start = end + 1
        if not line.strip():
            return None
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
