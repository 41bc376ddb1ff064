"""Stopping on the vendor's signal: SIGTERM, SnapStart restores, the process registry.

AWS Lambda sends SIGTERM before it ends an execution environment only when an
extension is registered (faas_bridge's own runtime registers an internal one
for that reason); without one the process is frozen and later killed with no
warning. Container platforms (Cloud Run, OpenFaaS, Knative) send SIGTERM
before SIGKILL as Kubernetes does. Every handler started in this process
registers here, and on SIGTERM or at interpreter exit each is shut down once,
newest first.

A SIGTERM can arrive while an invocation is running, or just after the
handler returned and before the runtime has posted its reply: stopping then
would lose that reply, so the shutdown waits until no invocation has run for
a moment, then the signal is delivered again in the main thread to whatever
handled it before us.

SnapStart (Lambda) snapshots the process after its init phase and restores
copies of it; the startup is in the snapshot, so after a restore the restore
hooks reconnect what the snapshot froze.
"""

from __future__ import annotations

import _thread
import atexit
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faas_bridge.lifecycle.hooks import Lifecycle

#: Every started handler's lifecycle in this process, oldest first.
_lifecycles: list[Lifecycle] = []
_registry_lock = threading.Lock()
_installed = False


def register(lifecycle: Lifecycle) -> None:
    """Shut ``lifecycle`` down with the process; the first one installs the signal handlers."""
    global _installed
    with _registry_lock:
        _lifecycles.append(lifecycle)
        if _installed:
            return
        _installed = True
    atexit.register(shutdown_all)
    _install_sigterm()
    _register_snapstart()


def shutdown_all() -> None:
    """Shut down every started handler in this process, newest first, once each."""
    with _registry_lock:
        lifecycles = list(_lifecycles)
        _lifecycles.clear()
    for lifecycle in reversed(lifecycles):
        lifecycle.shutdown()


def _install_sigterm() -> None:
    """Run the shutdowns on SIGTERM, then whatever handled SIGTERM before us."""
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _make_sigterm_handler(previous))
    except (ValueError, OSError):  # pragma: no cover - no signals in this environment
        pass


#: Code objects whose frames mean "an invocation (or the app's startup) is
#: running in this thread": a SIGTERM then waits for it (dispatch adds the
#: handler's own).
busy_codes: set[CodeType] = set()

#: How often the thread that waits for the invocations looks at them, and how
#: long no invocation must run before the signal is acted on: time for the
#: runtime to send the reply the handler has just returned.
_POLL = 0.01
_SETTLE = 0.1


class _SignalState:
    """A SIGTERM waiting for the invocations in progress (main thread and waiter share it)."""

    deferred: int | None = None
    waiting = False
    stopping = False


_signals = _SignalState()


def _busy() -> bool:
    """Whether any thread is inside an invocation or a startup, as its frames show."""
    codes = busy_codes
    for frame in list(sys._current_frames().values()):
        current: FrameType | None = frame
        while current is not None:
            if current.f_code in codes:
                return True
            current = current.f_back
    return False


def _make_sigterm_handler(previous: Any) -> Callable[[int, Any], None]:
    def on_sigterm(signum: int, frame: Any) -> None:
        state = _signals
        if state.stopping:
            return  # a repeat while the shutdown runs
        if _busy():
            # An invocation is running (in this thread, interrupted, or in
            # another): stopping now would lose its reply, or pull resources
            # from under it. Act once every invocation has returned.
            state.deferred = signum
            if not state.waiting:
                state.waiting = True
                _thread.start_new_thread(_redeliver, ())  # see hooks._bounded: no threading locks
            return
        state.deferred = None
        state.stopping = True
        try:
            shutdown_all()
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
        finally:
            state.stopping = False

    return on_sigterm


def _redeliver() -> None:
    """Send the deferred SIGTERM again once no invocation has run for a while.

    Signal handlers run in the main thread only, so the handler installed
    before ours (sys.exit, a server's graceful stop) gets the signal there.
    """
    state = _signals
    while True:
        time.sleep(_POLL)
        if _busy():
            continue
        time.sleep(_SETTLE)
        if not _busy():
            break
    state.waiting = False
    signum, state.deferred = state.deferred, None
    if signum is not None:
        os.kill(os.getpid(), signum)


def _register_snapstart() -> None:
    """AWS Lambda SnapStart: run restore hooks after the snapshot is restored.

    Startup already ran during init, so it is in the snapshot; after a restore
    the hooks reconnect whatever the snapshot froze (database clients...).
    Lambda says an execution environment is being initialised for a snapshot
    by ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``; any other start has
    nothing to restore, and does not import AWS's module.
    """
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "snap-start":
        return
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return

    def restore_all() -> None:
        with _registry_lock:
            lifecycles = list(_lifecycles)
        for lifecycle in lifecycles:
            lifecycle.restored()

    register_after_restore(restore_all)
