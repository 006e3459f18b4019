"""A bulk load's batches made in a second process: generating households and sealing their rows
is Python work that holds a core, so a forked child does it while the loading process only
sends the finished rows to the database (a second core, and PostgreSQL's, put to use).

The child is forked, not spawned: it starts with the parent's keyring and generator as they
are, and nothing secret crosses the pipe but the sealed rows coming back. It never touches the
parent's database connections; the parent ends it when the load ends or fails. One child, not
more: households come from one deterministic generator, and a second child generating them
all again to seal half the batches measured slower on two shared cores.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
from collections.abc import Callable, Generator, Iterator
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any, TypeVar

T = TypeVar("T")

_AHEAD = 1  # batches made ahead of the one being written: bounded in memory
_POLL_SECONDS = 1.0


def produced(make: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
    """What `make()` yields, made in a forked child process, in order; an error in the child
    is raised here."""
    context = multiprocessing.get_context("fork")
    channel: Queue[tuple[str, Any]] = context.Queue(maxsize=_AHEAD)
    child = context.Process(target=_produce, args=(make, channel), name="bulk-producer",
                            daemon=True)
    child.start()
    try:
        while True:
            kind, payload = _next(channel, child)
            if kind == "done":
                return
            if kind == "error":
                raise payload
            yield payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        channel.close()


def _next(channel: Queue[tuple[str, Any]], child: BaseProcess) -> tuple[str, Any]:
    while True:
        try:
            return channel.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if not child.is_alive():
                raise RuntimeError(
                    f"the bulk producer ended (exit code {child.exitcode})") from None


def _produce(make: Callable[[], Iterator[Any]], channel: Queue[tuple[str, Any]]) -> None:
    try:
        for item in make():
            channel.put(("item", item))
    except BaseException as exc:  # every failure goes back to the loader
        channel.put(("error", _sendable(exc)))
    else:
        channel.put(("done", None))
    channel.close()
    channel.join_thread()


def _sendable(exc: BaseException) -> BaseException:
    """The error itself when it survives a pipe, else its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - bytes made on the line itself
    except Exception:  # an error that does not survive the pipe is described instead
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
