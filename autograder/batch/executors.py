"""Where ``grade_one`` runs: a thread pool on this machine, or a Dask cluster.

Both sit behind one :class:`Executor` interface: ``map_unordered`` yields
``(task, result)`` as each finishes, where the result is the record or the
exception that escaped. Each worker thread owns its own zygote (see
``autograder.isolation``), so every submission runs in its own contained
subject process, on a channel of its own, whichever executor runs it.
"""
from __future__ import annotations

import abc
import os
from typing import Any, Callable, Iterable, Iterator

from .. import isolation
from .discover import BatchError


class Executor(abc.ABC):
    """Runs a function over items and yields ``(item, result)`` as each finishes.

    A result is whatever ``fn`` returned, or the exception it raised.
    """

    workers: int = 1
    description: str = ""

    @abc.abstractmethod
    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        ...

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalExecutor(Executor):
    """A thread pool on this machine; each thread starts (and keeps) its own zygote.

    The pool lives as long as the executor, so several batches in one process
    pay TensorFlow's import once per thread.
    """

    def __init__(self, workers: int | None = None, labs: Iterable = ()):
        from concurrent.futures import ThreadPoolExecutor

        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.description = f"{self.workers} local worker{'s' if self.workers > 1 else ''}"
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="grader",
                                        initializer=warm_up, initargs=(tuple(labs),))

    def map_unordered(self, fn, items):
        from concurrent.futures import as_completed

        futures = {self._pool.submit(fn, item): item for item in items}
        try:
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except Exception as error:
                    yield futures[future], error
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        # Ends every zygote (and so any submission still running); a thread
        # waiting on one then sees it gone and returns at once.
        self._pool.shutdown(wait=False, cancel_futures=True)
        isolation.shutdown()
        self._pool.shutdown(wait=True)


class DaskExecutor(Executor):
    """A Dask ``distributed`` cluster. Each task calls the same ``grade_one``
    in a worker thread, which isolates it through that thread's own zygote."""

    connect_timeout_s = 20.0  # how long to try reaching the scheduler

    def __init__(self, address: str, connect_timeout: float | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise BatchError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
        try:
            self._client = Client(address, timeout=connect_timeout or self.connect_timeout_s,
                                  set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise BatchError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        threads = self._client.nthreads()
        self.workers = max(1, sum(threads.values()))
        self.description = f"Dask at {address}: {len(threads)} worker(s), {self.workers} thread(s)"

    def map_unordered(self, fn, items):
        from distributed import as_completed

        items = list(items)
        batch_id = os.urandom(4).hex()
        futures = [self._client.submit(fn, item, key=f"grade-{batch_id}-{i}", pure=False)
                   for i, item in enumerate(items)]
        by_key = {future.key: item for future, item in zip(futures, items)}
        try:
            for future in as_completed(futures, loop=self._client.loop):
                try:
                    yield by_key[future.key], future.result()
                except Exception as error:
                    yield by_key[future.key], error
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        self._client.close()


def warm_up(labs: tuple) -> None:
    """Start this thread's zygotes now, so the labs' libraries load while the batch gets ready."""
    for lab in labs:
        try:
            isolation.warm_up(lab)
        except (OSError, RuntimeError):
            pass  # grading the first task starts it again, and records why if it cannot
