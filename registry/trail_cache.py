"""Values computed from the database and kept per process until the audit trail moves.

Every change of what the registry counts — a task, note, assessment, recommendation, reply, verdict, role grant or
unit — writes an audit event in the same transaction, so the trail's last sequence number (one row) says whether
anything has changed since a value was computed. A ``TrailCache`` keeps values under a key of the caller's
(who reads, what scope) plus that number and the day (deadlines are judged against today), least recently used
out; only reading requests use it (a writing one may hold changes whose events are numbered at the commit).
It serves what is costly and read on every page: the dashboard's figures, the header's counts, the unit
pickers. Each gunicorn worker keeps its own; a worker that has not seen a change reads the head and recomputes.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import select

from registry import clock
from registry.extensions import db
from registry.models import AuditHead

T = TypeVar("T")

_caches: list[TrailCache] = []


def trail_position() -> int:
    """The trail's last sequence number, read once per request (every cache of the request shares it)."""
    if has_request_context() and "trail_position" in g:
        return g.trail_position
    position = db.session.scalar(select(AuditHead.last_seq).where(AuditHead.id == 1)) or 0
    if has_request_context():
        g.trail_position = position
    return position


class TrailCache:
    """An LRU of values under (key, day, trail position), ``size_key`` entries at most (a config key; 0 or
    absent: nothing kept, every call computes). ``copy_values`` hands out deep copies (for mutable values)."""

    def __init__(self, size_key: str, *, copy_values: bool = False):
        self.size_key, self.copy_values = size_key, copy_values
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        _caches.append(self)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        size = current_app.config.get(self.size_key, 0) if has_app_context() else 0
        if not size or (has_request_context() and request.method not in ("GET", "HEAD")):
            # a writing request may have changed rows whose events get their numbers only at the commit
            return compute()
        full_key = (key, clock.today(), trail_position())
        with self._lock:
            if full_key in self._values:
                self._values.move_to_end(full_key)
                value = self._values[full_key]
                return copy.deepcopy(value) if self.copy_values else value
        value = compute()
        with self._lock:
            self._values[full_key] = copy.deepcopy(value) if self.copy_values else value
            while len(self._values) > size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def clear_all() -> None:
    """Forget every kept value (tests; a restore)."""
    for cache in _caches:
        cache.clear()
