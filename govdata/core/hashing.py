"""Hash functions of the platform: SHA-256, or SM3 (GB/T 32905) where the security rules ask for
the Chinese commercial algorithms (SEC-3)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hashes

from .choices import HashAlgorithm


def digest(algorithm: str, data: bytes) -> str:
    if algorithm == HashAlgorithm.SHA256:
        return hashlib.sha256(data).hexdigest()
    if algorithm == HashAlgorithm.SM3:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    raise ValueError(f"unknown hash algorithm {algorithm!r}")
