"""Keeping password hashing from being a denial of service.

bcrypt costs ~250 ms of CPU per call by design, so anyone who can make the service hash
can make it slow for everyone. Two pieces bound that work, in this process:

- ``AddressGuard`` counts failed logins per client address (and overall), refuses an
  address that failed too often with 429 *before* any hashing, caps the logins one
  address may have in flight, and says which requests are *suspect*: from an address
  with recent failures or with another login in flight.
- ``HashingGate`` admits hashing work to a fixed number of slots (one per hashing
  thread), normal work before suspect work; suspect work may hold only some of the slots
  and only a few suspect requests may wait, the rest are refused at once with 429.

Both live in memory: the resource they protect, this process's hashing threads, is per
process (the per-account budget against guessing is shared in PostgreSQL).
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from hybridmem.domain.errors import RateLimited
from hybridmem.ports.system import Clock

T = TypeVar("T")

BUSY = "too many login attempts in progress; try again shortly"


def address_key(address: str | None) -> str:
    """The unit an address is counted in: the IPv4 address, or the IPv6 /64 (one
    subscriber usually holds a whole /64, so single IPv6 addresses are free to vary)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class GuardLimits:
    """The limits of ``AddressGuard`` (see docs/configuration.md)."""

    address_max_failures: int = 20
    address_window: timedelta = timedelta(minutes=5)
    address_max_in_flight: int = 8
    global_max_failures: int = 300
    global_window: timedelta = timedelta(minutes=1)
    max_addresses: int = 100_000


@dataclass(slots=True)
class _Address:
    failures: deque[datetime] = field(default_factory=deque)
    in_flight: int = 0


class LoginPass:
    """One admitted login from one address; release it when the login is over."""

    def __init__(self, guard: AddressGuard, key: str, *, suspect: bool) -> None:
        self._guard = guard
        self._key = key
        self.suspect = suspect
        self._open = True

    def failed(self) -> None:
        """Count a failed login (wrong password or unknown account) for the address."""
        self._guard._record_failure(self._key)

    def release(self) -> None:
        """End the login (idempotent)."""
        if self._open:
            self._open = False
            self._guard._release(self._key)


class AddressGuard:
    """Failed logins per client address and overall, and logins in flight per address."""

    def __init__(self, clock: Clock, limits: GuardLimits | None = None) -> None:
        self._clock = clock
        self._limits = limits or GuardLimits()
        self._addresses: OrderedDict[str, _Address] = OrderedDict()
        self._global: deque[datetime] = deque()

    def admit(self, address: str | None) -> LoginPass:
        """Admit a login from the address, or raise RateLimited before any hashing."""
        now = self._clock.now()
        key = address_key(address)
        state = self._addresses.get(key)
        if state is None:
            state = self._addresses[key] = _Address()
            self._forget_idle()
        self._addresses.move_to_end(key)
        _expire(state.failures, now - self._limits.address_window)
        _expire(self._global, now - self._limits.global_window)
        if len(state.failures) >= self._limits.address_max_failures:
            retry = state.failures[0] + self._limits.address_window - now
            raise RateLimited(
                "too many failed logins from this address; try again later",
                retry_after=max(1, math.ceil(retry.total_seconds())),
            )
        if state.in_flight >= self._limits.address_max_in_flight:
            raise RateLimited(BUSY, retry_after=1)
        suspect = bool(state.failures) or state.in_flight > 0
        if suspect and len(self._global) >= self._limits.global_max_failures:
            # Under a service-wide wave of failures, suspect addresses get no hashing.
            retry = self._global[0] + self._limits.global_window - now
            raise RateLimited(BUSY, retry_after=max(1, math.ceil(retry.total_seconds())))
        state.in_flight += 1
        return LoginPass(self, key, suspect=suspect)

    def _record_failure(self, key: str) -> None:
        now = self._clock.now()
        state = self._addresses.get(key)
        if state is not None:
            state.failures.append(now)
            # only the newest max_failures matter for the limit
            while len(state.failures) > self._limits.address_max_failures:
                state.failures.popleft()
        self._global.append(now)
        while len(self._global) > self._limits.global_max_failures:
            self._global.popleft()

    def _release(self, key: str) -> None:
        state = self._addresses.get(key)
        if state is not None:
            state.in_flight = max(0, state.in_flight - 1)

    def _forget_idle(self) -> None:
        # Bounded memory: forget the least recently seen addresses with nothing in flight.
        excess = len(self._addresses) - self._limits.max_addresses
        for key in list(self._addresses):
            if excess <= 0:
                break
            if self._addresses[key].in_flight == 0:
                del self._addresses[key]
                excess -= 1

    def failures_of(self, address: str | None) -> int:
        """Recent failures counted for the address (for tests and diagnostics)."""
        state = self._addresses.get(address_key(address))
        if state is None:
            return 0
        _expire(state.failures, self._clock.now() - self._limits.address_window)
        return len(state.failures)


def _expire(times: deque[datetime], before: datetime) -> None:
    while times and times[0] < before:
        times.popleft()


@dataclass(slots=True)
class _Waiter:
    future: asyncio.Future[None]
    suspect: bool


class HashingGate:
    """Admits hashing work to ``slots`` concurrent runs, normal work first.

    - Normal work starts when a slot is free and no normal work waits; at most
      ``max_waiting`` normal requests wait, each at most ``wait_timeout`` seconds.
    - Suspect work starts only when no normal work runs or waits (it is background
      work: it never competes for the CPU with a clean request it could delay), and
      holds at most ``suspect_slots`` slots at once; at most ``max_suspect_waiting``
      suspect requests wait. Beyond that it is refused at once (429), without hashing.

    So junk can keep at most ``suspect_slots`` threads busy, only while no clean
    request hashes, with a bounded queue behind them; a request from a clean address
    waits at most for the suspect hashes already running.
    """

    def __init__(
        self,
        *,
        slots: int,
        suspect_slots: int | None = None,
        max_waiting: int = 64,
        max_suspect_waiting: int = 8,
        wait_timeout: float = 10.0,
    ) -> None:
        self.slots = max(1, slots)
        self.suspect_slots = max(1, min(self.slots, suspect_slots or max(1, self.slots // 2)))
        self.max_waiting = max_waiting
        self.max_suspect_waiting = max_suspect_waiting
        self.wait_timeout = wait_timeout
        self.running = 0
        self.running_suspect = 0
        self._normal: deque[_Waiter] = deque()
        self._suspect: deque[_Waiter] = deque()

    @property
    def waiting(self) -> tuple[int, int]:
        """How many normal and suspect requests wait for a slot."""
        return len(self._normal), len(self._suspect)

    def _suspect_may_start(self) -> bool:
        normal_running = self.running - self.running_suspect
        return normal_running == 0 and self.running_suspect < self.suspect_slots

    def _can_start(self, suspect: bool) -> bool:
        if self.running >= self.slots or self._normal:
            return False
        return not suspect or (self._suspect_may_start() and not self._suspect)

    def _take(self, suspect: bool) -> None:
        self.running += 1
        if suspect:
            self.running_suspect += 1

    async def run(self, work: Callable[[], Awaitable[T]], *, suspect: bool) -> T:
        """Run ``work`` in a slot; RateLimited if it may neither start nor wait."""
        if self._can_start(suspect):
            self._take(suspect)
        else:
            await self._wait(suspect)
        try:
            return await work()
        finally:
            self._release(suspect)

    async def _wait(self, suspect: bool) -> None:
        queue, limit = (
            (self._suspect, self.max_suspect_waiting)
            if suspect
            else (self._normal, self.max_waiting)
        )
        if len(queue) >= limit:
            raise RateLimited(BUSY, retry_after=1)
        waiter = _Waiter(asyncio.get_running_loop().create_future(), suspect)
        queue.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), self.wait_timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.future.done() and not waiter.future.cancelled():
                # the slot was handed over just as we gave up: give it back
                self._release(suspect)
            else:
                waiter.future.cancel()
                if waiter in queue:
                    queue.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise RateLimited(BUSY, retry_after=1) from None
            raise

    def _release(self, suspect: bool) -> None:
        self.running -= 1
        if suspect:
            self.running_suspect -= 1
        self._hand_over()

    def _hand_over(self) -> None:
        # Slots go to normal waiters first, then to suspect ones within their share.
        while self.running < self.slots:
            if self._normal:
                waiter = self._normal.popleft()
            elif self._suspect and self._suspect_may_start():
                waiter = self._suspect.popleft()
            else:
                return
            if waiter.future.done():
                continue
            self._take(waiter.suspect)
            waiter.future.set_result(None)
