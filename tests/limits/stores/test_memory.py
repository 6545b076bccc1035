"""The memory store on a fake clock: exact window edges, and expired counters forgotten."""

from __future__ import annotations

from covet.limits.policy import Rate
from covet.limits.stores.memory import MemoryStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_ends_exactly_its_length_after_the_first_request() -> None:
    clock = Clock()
    store = MemoryStore(clock)
    policy = (Rate(2, 10),)
    assert store.hit_now("k", policy).allowed
    clock.now += 4
    assert store.hit_now("k", policy).reset == (6.0,)
    assert not store.hit_now("k", policy).allowed
    clock.now += 5.999
    assert not store.hit_now("k", policy).allowed
    clock.now += 0.001
    assert store.hit_now("k", policy).used == (1,)


def test_expired_counters_are_forgotten() -> None:
    clock = Clock()
    store = MemoryStore(clock)
    for n in range(1000):
        store.hit_now(f"client-{n}", (Rate(5, 60),))
    assert len(store) == 1000
    clock.now += 61
    store.hit_now("late", (Rate(5, 60),))
    assert len(store) == 1
