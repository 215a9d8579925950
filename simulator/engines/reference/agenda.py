"""Same-time events, settled one way: SimPy keeps the clock, the agenda keeps the order.

Both engines must agree to 1e-9, so what happens when several things fall on the same
instant is fixed (DESIGN §1b "Instants"). At time t the engine works in *rounds*:

1. every happening due at t so far (a SimPy timeout that fired) has posted an *action*
   with its class and a key within the class;
2. the agenda runs them by (class, key, posting order): task completions, GPU failures,
   repairs, preemption notices, preemption takes, provisioning done, back-off expiries,
   shot releases, shift changes;
3. then the engine dispatches waiting work, decides cloud provisioning, and runs the
   idle-timeout releases posted for t (units still idle after dispatch);
4. anything scheduled for t during the round (a zero-length back-off, say) is a new round.

The round itself is a SimPy event scheduled at t with a priority after every ordinary
event, so all the timeouts due at t have fired (and posted) before it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

import simpy

__all__ = ["Agenda", "EventClass"]

# SimPy orders events at one instant by (priority, insertion); its own are URGENT (0) and
# NORMAL (1). A round runs after all of those.
_ROUND_PRIORITY = 2


class EventClass(IntEnum):
    COMPLETION = 1
    FAILURE = 2
    REPAIR = 3
    PREEMPTION_NOTICE = 4
    PREEMPTION_TAKE = 5
    PROVISIONED = 6
    BACKOFF = 7
    RELEASE = 8
    SHIFT_CHANGE = 9
    # 10 dispatch and 11 provisioning decisions are steps of the round, not events.
    IDLE_RELEASE = 12


Action = Callable[[], None]


class _Round(simpy.Event):
    """An event already triggered and due now, after every ordinary event of the instant
    (built the way SimPy builds its own Timeout)."""

    def __init__(self, env: simpy.Environment, callback: Callable[[simpy.Event], None]):
        super().__init__(env)
        self._ok = True
        self._value = None
        self.callbacks.append(callback)
        env.schedule(self, priority=_ROUND_PRIORITY)  # type: ignore[arg-type]


class Agenda:
    """Collects the actions due at the current instant and runs them in round order."""

    def __init__(self, env: simpy.Environment, end_of_round: Callable[[list[Action]], None]):
        self.env = env
        self._pending: list[tuple[int, tuple[int, ...], int, Action]] = []
        self._posted = 0
        self._round_scheduled = False
        self._end_of_round = end_of_round
        self.rounds = 0
        self.events = 0

    def post(self, cls: EventClass, key: tuple[int, ...], action: Action) -> None:
        """Run ``action`` in this instant's round, in its class and key order."""
        self._pending.append((int(cls), key, self._posted, action))
        self._posted += 1
        if not self._round_scheduled:
            self._round_scheduled = True
            _Round(self.env, self._run_round)

    def at(self, delay: float, cls: EventClass, key: tuple[int, ...], action: Action) -> None:
        """Post ``action`` ``delay`` hours from now."""
        # A delay of 0 born inside a round belongs to the next round at this instant.
        timeout = self.env.timeout(max(delay, 0.0))
        timeout.callbacks.append(lambda _event: self.post(cls, key, action))

    def act(self, cls: EventClass, key: tuple[int, ...], action: Action) -> simpy.Event:
        """For a process: post ``action`` now; the returned event fires once it has run."""
        done = self.env.event()

        def run_then_signal() -> None:
            action()
            done.succeed()

        self.post(cls, key, run_then_signal)
        return done

    def _run_round(self, _event: simpy.Event) -> None:
        self._round_scheduled = False
        batch = self._pending
        if len(batch) > 1:
            batch.sort(key=lambda item: (item[0], item[1], item[2]))
        self._pending = []
        self.rounds += 1
        self.events += len(batch)
        idle_releases = [a for cls, _, _, a in batch if cls == EventClass.IDLE_RELEASE]
        for cls, _key, _seq, action in batch:
            if cls != EventClass.IDLE_RELEASE:
                action()
        self._end_of_round(idle_releases)
