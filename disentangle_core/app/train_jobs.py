"""The training tab's jobs: one cancel flag per browser session, so a cancel only stops its own run."""

from __future__ import annotations

import threading


class TrainingCancelled(Exception):
    """Raised from the training callback when the user pressed cancel."""


class TrainingJobs:
    """One cancel flag per browser session, so a cancel only stops its own session's run."""

    def __init__(self):
        self._flags: dict = {}
        self._lock = threading.Lock()

    def start(self, session: str) -> threading.Event:
        with self._lock:
            self._flags[session] = threading.Event()
            return self._flags[session]

    def cancel(self, session: str) -> bool:
        with self._lock:
            flag = self._flags.get(session)
        if flag is not None:
            flag.set()
        return flag is not None

    def finish(self, session: str) -> None:
        with self._lock:
            self._flags.pop(session, None)
