"""SIGINT and SIGTERM as an exception in the main thread, with running DuckDB queries cancelled.

The command line runs under `handled()`. Both signals are blocked in every thread and taken by
one watcher thread, which cancels what is registered with `cancelling` (a DuckDB query checks
Python's signals only now and then, and may otherwise run on for minutes) and raises `Interrupted`
in the main thread, so that every `finally` runs: temporary files are removed (`atomic`) and the
command exits 130 (SIGINT) or 143 (SIGTERM). A second signal stops the process at once.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
_cancels: list[Callable[[], None]] = []
_received: list[int] = []


class Interrupted(KeyboardInterrupt):
    """The command was interrupted by a signal; its exit code is 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def received() -> int | None:
    """The signal that interrupted this command, if one did."""
    return _received[0] if _received else None


@contextlib.contextmanager
def cancelling(cancel: Callable[[], None]) -> Iterator[None]:
    """While the block runs, an interrupt calls `cancel` (from another thread) first."""
    _cancels.append(cancel)
    try:
        yield
    finally:
        _cancels.remove(cancel)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Run the block with the signals taken by the watcher thread (only from the main thread)."""
    # A signal ignored when the command started (SIGINT of a background job) stays ignored.
    signals = frozenset(s for s in SIGNALS if signal.getsignal(s) is not signal.SIG_IGN)
    if threading.current_thread() is not threading.main_thread() or not signals or not hasattr(signal, "sigwait"):
        yield  # (Windows has no signal masks: Ctrl-C is Python's KeyboardInterrupt there)
        return
    previous = {signum: signal.signal(signum, _raise) for signum in signals}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, signals)  # threads started later inherit it
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(stop, signals), name="policydsl-signals", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        assert watcher.ident is not None
        signal.pthread_kill(watcher.ident, min(signals))  # wakes the watcher, which sees `stop`
        watcher.join()
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _received.clear()


def _watch(stop: threading.Event, signals: frozenset[signal.Signals]) -> None:
    while True:
        signum = signal.Signals(signal.sigwait(signals))
        if stop.is_set():
            return
        _received.append(signum)
        if len(_received) > 1:  # asked twice: no more waiting for the clean-up
            os._exit(128 + signum)
        for cancel in list(_cancels):
            with contextlib.suppress(Exception):
                cancel()
        _thread.interrupt_main(signum)


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)
