"""bcrypt password hashing, run in worker threads so the event loop keeps serving."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import bcrypt


def _prehash(password: str) -> bytes:
    # bcrypt reads at most 72 bytes; hashing first lets long passphrases count in full.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


class BcryptPasswordHasher:
    """bcrypt over a SHA-256 pre-hash of the password."""

    def __init__(self, rounds: int = 12) -> None:
        self._rounds = rounds
        self._decoy: bytes | None = None

    async def hash(self, password: str) -> str:
        """Hash with a fresh salt."""
        return await asyncio.to_thread(self._hash_blocking, password)

    def _hash_blocking(self, password: str) -> str:
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self._rounds)).decode("ascii")

    async def verify(self, password: str, password_hash: str) -> bool:
        """Compare in constant time; a malformed stored hash never matches."""
        return await asyncio.to_thread(self._verify_blocking, password, password_hash.encode())

    @staticmethod
    def _verify_blocking(password: str, password_hash: bytes) -> bool:
        try:
            return bcrypt.checkpw(_prehash(password), password_hash)
        except ValueError:
            return False

    async def burn(self, password: str) -> None:
        """Verify against a decoy hash so a missing account costs the same time."""
        if self._decoy is None:
            self._decoy = (await self.hash("decoy password, never matches")).encode()
        await asyncio.to_thread(self._verify_blocking, password, self._decoy)
