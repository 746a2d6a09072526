"""Short content hashes of arrays, numbers and strings, for checkpoint identities."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["fingerprint"]


def fingerprint(*parts: Any) -> str:
    """A short SHA-256 of arrays, numbers and strings (for checkpoint identities)."""
    h = hashlib.sha256()

    def feed(p: Any) -> None:
        if isinstance(p, bytes):
            h.update(p)
        elif isinstance(p, np.ndarray) or (isinstance(p, Iterable) and not isinstance(p, (str, bytes, dict))):
            a = np.ascontiguousarray(np.asarray(p))
            if a.dtype == object:
                for q in a.ravel():
                    feed(q)
                return
            h.update(str((a.dtype.str, a.shape)).encode())
            h.update(a.tobytes())
        else:
            h.update(repr(p).encode())

    for p in parts:
        feed(p)
    return h.hexdigest()[:16]
