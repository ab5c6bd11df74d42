"""bcrypt password hashing on a small dedicated thread pool, so the event loop keeps
serving and hashing can never take more threads than it was given."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import bcrypt

# bcrypt's own base64 alphabet, for the decoy hash below.
_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
T = TypeVar("T")


def _prehash(password: str) -> bytes:
    # bcrypt reads at most 72 bytes; hashing first lets long passphrases count in full.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def _decoy_hash(rounds: int) -> bytes:
    """A well-formed bcrypt hash of the configured cost that no password matches.

    Checking a password against it costs exactly one real verification (bcrypt derives
    from salt and cost, then compares), and making it costs nothing: no hash is
    computed at start-up or on the first unknown login.
    """
    salt = bcrypt.gensalt(rounds)
    checksum = "".join(secrets.choice(_BCRYPT_ALPHABET) for _ in range(31))
    return salt + checksum.encode("ascii")


class BcryptPasswordHasher:
    """bcrypt over a SHA-256 pre-hash of the password, on ``threads`` dedicated threads.

    The pool's queue itself is unbounded (``ThreadPoolExecutor``); callers bound what
    they submit (the application's hashing gate admits at most ``threads`` at a time),
    and a dedicated pool keeps hashing from ever queueing behind, or starving, the
    default executor that the rest of the process uses.
    """

    def __init__(self, rounds: int = 12, *, threads: int = 2) -> None:
        self._rounds = rounds
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bcrypt")
        self._decoy = _decoy_hash(rounds)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    async def hash(self, password: str) -> str:
        """Hash with a fresh salt."""
        return await self._run(self._hash_blocking, password)

    def _hash_blocking(self, password: str) -> str:
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self._rounds)).decode("ascii")

    async def verify(self, password: str, password_hash: str) -> bool:
        """Compare in constant time; a malformed stored hash never matches."""
        return await self._run(self._verify_blocking, password, password_hash.encode())

    @staticmethod
    def _verify_blocking(password: str, password_hash: bytes) -> bool:
        try:
            return bcrypt.checkpw(_prehash(password), password_hash)
        except ValueError:
            return False

    async def burn(self, password: str) -> None:
        """Verify against a decoy hash so a missing account costs the same time."""
        await self._run(self._verify_blocking, password, self._decoy)

    def close(self) -> None:
        """Stop the threads once the work in hand is done."""
        self._pool.shutdown(wait=False, cancel_futures=True)
