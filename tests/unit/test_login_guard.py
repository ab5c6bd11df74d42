"""The bounds on password hashing work: address limits and the hashing gate.

Functional, not timed: hashing work is held on events, and the tests look at what the
gate admitted, queued and refused.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hybridmem.application.login_guard import AddressGuard, GuardLimits, HashingGate, address_key
from hybridmem.domain.errors import RateLimited
from tests.support.fakes import FrozenClock


class HeldWork:
    """Hashing stand-ins that start, record their name, and finish when released."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self._release: dict[str, asyncio.Event] = {}

    def job(self, name: str):
        self._release[name] = asyncio.Event()

        async def work() -> str:
            self.started.append(name)
            await self._release[name].wait()
            return name

        return work

    def finish(self, name: str) -> None:
        self._release[name].set()


async def settle(condition, *, rounds: int = 200) -> None:
    """Let the event loop run until ``condition()`` holds (bounded by rounds, not time)."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_suspect_work_is_capped_and_refused_without_running():
    gate = HashingGate(slots=2, suspect_slots=1, max_waiting=4, max_suspect_waiting=2)
    held = HeldWork()
    tasks = [asyncio.create_task(gate.run(held.job(f"junk{i}"), suspect=True)) for i in range(10)]
    await settle(lambda: sum(task.done() for task in tasks) == 7)
    # one suspect runs (its share of the slots), two wait, seven are refused at once
    assert held.started == ["junk0"]
    assert gate.waiting == (0, 2)
    refused = [task for task in tasks if task.done()]
    assert all(isinstance(task.exception(), RateLimited) for task in refused)
    # a normal request still finds the slot suspect work may not take
    clean = asyncio.create_task(gate.run(held.job("user"), suspect=False))
    await settle(lambda: "user" in held.started)
    held.finish("user")
    assert await clean == "user"
    for name in ("junk0", "junk1", "junk2"):
        await settle(lambda name=name: name in held.started)
        held.finish(name)
    await asyncio.gather(*tasks, return_exceptions=True)
    assert held.started == ["junk0", "user", "junk1", "junk2"]
    assert (gate.running, gate.running_suspect, gate.waiting) == (0, 0, (0, 0))


async def test_suspect_work_waits_while_normal_work_hashes():
    gate = HashingGate(slots=2, suspect_slots=1, max_suspect_waiting=2)
    held = HeldWork()
    user = asyncio.create_task(gate.run(held.job("user"), suspect=False))
    await settle(lambda: held.started == ["user"])
    junk = asyncio.create_task(gate.run(held.job("junk"), suspect=True))
    await settle(lambda: gate.waiting == (0, 1))
    assert held.started == ["user"]  # a slot is free, but the clean request hashes
    held.finish("user")
    await user
    await settle(lambda: held.started == ["user", "junk"])
    held.finish("junk")
    await junk


async def test_normal_work_goes_before_waiting_suspect_work():
    gate = HashingGate(slots=1, max_waiting=4, max_suspect_waiting=4)
    held = HeldWork()
    first = asyncio.create_task(gate.run(held.job("junk0"), suspect=True))
    await settle(lambda: held.started == ["junk0"])
    junk = [asyncio.create_task(gate.run(held.job(f"junk{i}"), suspect=True)) for i in (1, 2)]
    await settle(lambda: gate.waiting == (0, 2))
    user = asyncio.create_task(gate.run(held.job("user"), suspect=False))
    await settle(lambda: gate.waiting == (1, 2))
    held.finish("junk0")
    await settle(lambda: len(held.started) == 2)
    assert held.started[1] == "user"  # ahead of the junk that waited longer
    for name in ("user", "junk1", "junk2"):
        await settle(lambda name=name: name in held.started)
        held.finish(name)
    await asyncio.gather(first, user, *junk)
    assert gate.running == 0


async def test_waiting_is_bounded_in_time_and_gives_the_slot_back():
    gate = HashingGate(slots=1, max_waiting=4, wait_timeout=0.01)
    held = HeldWork()
    busy = asyncio.create_task(gate.run(held.job("long"), suspect=False))
    await settle(lambda: held.started == ["long"])
    with pytest.raises(RateLimited):
        await gate.run(held.job("late"), suspect=False)
    assert gate.waiting == (0, 0)
    held.finish("long")
    await busy
    assert gate.running == 0


async def test_cancelled_waiters_leave_no_trace():
    gate = HashingGate(slots=1, max_waiting=4)
    held = HeldWork()
    busy = asyncio.create_task(gate.run(held.job("long"), suspect=False))
    await settle(lambda: held.started == ["long"])
    waiter = asyncio.create_task(gate.run(held.job("gone"), suspect=False))
    await settle(lambda: gate.waiting == (1, 0))
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert gate.waiting == (0, 0)
    held.finish("long")
    await busy
    assert (gate.running, held.started) == (0, ["long"])


def test_an_address_with_too_many_failures_is_refused_until_they_age():
    clock = FrozenClock()
    guard = AddressGuard(clock, GuardLimits(address_max_failures=3))
    for _ in range(3):
        login = guard.admit("10.0.0.1")
        login.failed()
        login.release()
    with pytest.raises(RateLimited) as refused:
        guard.admit("10.0.0.1")
    assert 0 < refused.value.retry_after <= 300
    guard.admit("10.0.0.2").release()  # other addresses are not affected
    clock.advance(minutes=5, seconds=1)
    guard.admit("10.0.0.1").release()


def test_logins_in_flight_per_address_are_capped_and_mark_suspects():
    guard = AddressGuard(FrozenClock(), GuardLimits(address_max_in_flight=2))
    first = guard.admit("10.0.0.1")
    second = guard.admit("10.0.0.1")
    assert (first.suspect, second.suspect) == (False, True)
    with pytest.raises(RateLimited):
        guard.admit("10.0.0.1")
    first.release()
    first.release()  # idempotent
    guard.admit("10.0.0.1")


def test_recent_failures_make_an_address_suspect_and_a_wave_of_them_sheds_suspects():
    clock = FrozenClock()
    guard = AddressGuard(clock, GuardLimits(global_max_failures=2))
    for address in ("10.0.0.1", "10.0.0.2"):
        login = guard.admit(address)
        login.failed()
        login.release()
    # two failures service-wide: suspects get no hashing; clean addresses still do
    with pytest.raises(RateLimited):
        guard.admit("10.0.0.1")
    clean = guard.admit("10.0.0.3")
    assert not clean.suspect
    clock.advance(minutes=1, seconds=1)
    assert guard.admit("10.0.0.1").suspect


def test_the_guard_forgets_idle_addresses_beyond_its_size():
    guard = AddressGuard(FrozenClock(), GuardLimits(max_addresses=10))
    for i in range(50):
        guard.admit(f"10.0.1.{i}").release()
    held = guard.admit("10.0.2.1")
    assert len(guard._addresses) <= 11
    held.release()


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_addresses_are_counted_per_ipv4_address_or_ipv6_64(address, key):
    assert address_key(address) == key


def test_window_setting_is_respected():
    clock = FrozenClock()
    guard = AddressGuard(clock, GuardLimits(address_max_failures=1, address_window=timedelta(1)))
    login = guard.admit("10.0.0.1")
    login.failed()
    login.release()
    clock.advance(hours=23)
    with pytest.raises(RateLimited):
        guard.admit("10.0.0.1")
