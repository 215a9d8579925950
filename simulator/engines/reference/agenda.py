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
event, so all the timeouts due at t have fired (and posted) before it runs. A timeout that
posts when nothing else is due at t runs the round at once: it would be the next event.

Actions known in advance in great numbers (the shot releases) are *fed* to SimPy one
instant at a time (``Agenda.feed``): its event queue holds the next of them, not all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum
from functools import partial

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


def _schedule_round(env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
    """An event already triggered and due now, after every ordinary event of the instant
    (built the way SimPy builds its own Timeout)."""
    event = simpy.Event(env)
    event._ok = True
    event._value = None
    event.callbacks.append(callback)
    env.schedule(event, priority=_ROUND_PRIORITY)  # type: ignore[arg-type]


class Agenda:
    """Collects the actions due at the current instant and runs them in round order."""

    def __init__(self, env: simpy.Environment, end_of_round: Callable[[list[Action]], None]):
        self.env = env
        self._pending: list[tuple[int, tuple[int, ...], int, Action]] = []
        self._idle_releases: list[tuple[tuple[int, ...], int, Action]] = []
        """The idle-timeout releases due now: they run at the end of the round."""
        self._posted = 0
        self._classes: set[EventClass] = set()
        self.classes: set[EventClass] = set()
        """The classes of the events of the round running now (or last run)."""
        self._round_scheduled = False
        self._end_of_round = end_of_round
        self.rounds = 0
        self.events = 0

    def post(self, cls: EventClass, key: tuple[int, ...], action: Action) -> None:
        """Run ``action`` in this instant's round, in its class and key order."""
        if cls is EventClass.IDLE_RELEASE:
            self._idle_releases.append((key, self._posted, action))
        else:
            self._pending.append((cls, key, self._posted, action))
            self._classes.add(cls)
        self._posted += 1
        if not self._round_scheduled:
            self._round_scheduled = True
            _schedule_round(self.env, self._run_round)

    def post_last(self, cls: EventClass, key: tuple[int, ...], action: Action) -> None:
        """``post``, from a SimPy callback that does nothing after it. If nothing else is due
        at this instant, the round runs now, as it would next."""
        if self._round_scheduled or self.env.peek() <= self.env.now:
            self.post(cls, key, action)
            return
        self._round_scheduled = True  # ``post`` schedules none: it runs here
        self.post(cls, key, action)
        self._run_round(None)

    def at(self, delay: float, cls: EventClass, key: tuple[int, ...], action: Action) -> None:
        """Post ``action`` ``delay`` hours from now."""
        # A delay of 0 born inside a round belongs to the next round at this instant.
        timeout = self.env.timeout(delay if delay > 0.0 else 0.0)
        timeout.callbacks.append(partial(self._due, cls, key, action))

    def _due(
        self, cls: EventClass, key: tuple[int, ...], action: Action, _timeout: simpy.Event
    ) -> None:
        self.post_last(cls, key, action)

    def feed(
        self, due: Sequence[tuple[float, int]], cls: EventClass, action: Callable[[int], None]
    ) -> None:
        """Post ``action(k)`` at each ``(time, k)`` of ``due`` (sorted by time, times not
        before now, each ``k`` once), with key ``(k,)``: one timeout per instant, scheduled
        when the one before fires, so that SimPy's queue holds one of them at a time."""
        position = 0

        def post_due(_event: simpy.Event) -> None:
            nonlocal position
            now = self.env.now
            last = position
            while last + 1 < len(due) and due[last + 1][0] == now:
                last += 1
            for k in range(position, last):
                self.post(cls, (due[k][1],), partial(action, due[k][1]))
            position = last + 1
            if position < len(due):  # the next instant, before this one's round
                self._call_at(due[position][0], post_due)
            self.post_last(cls, (due[last][1],), partial(action, due[last][1]))

        if due:
            self._call_at(due[0][0], post_due)

    def _call_at(self, t: float, callback: Callable[[simpy.Event], None]) -> None:
        """Call ``callback`` at exactly ``t >= now``. SimPy schedules at ``now + delay``,
        and ``now + (t - now)`` can miss ``t`` by an ulp; from a time past ``t / 2`` it
        cannot (the difference is then exact), so from earlier a bare timeout wakes there
        first."""
        now = self.env.now
        delay = t - now
        if now + delay == t:
            self.env.timeout(delay).callbacks.append(callback)
        else:
            wake = self.env.timeout(0.75 * delay)
            wake.callbacks.append(lambda _event: self._call_at(t, callback))

    def act(self, cls: EventClass, key: tuple[int, ...], action: Action) -> simpy.Event:
        """For a process: post ``action`` now; the returned event fires once it has run."""
        done = self.env.event()

        def run_then_signal() -> None:
            action()
            done.succeed()

        self.post(cls, key, run_then_signal)
        return done

    def _run_round(self, _event: simpy.Event | None) -> None:
        self._round_scheduled = False
        batch, idle = self._pending, self._idle_releases
        self._pending, self._idle_releases = [], []
        self.classes, self._classes = self._classes, set()
        self.rounds += 1
        self.events += len(batch) + len(idle)
        # The posting order is unique, so the sort never compares two actions.
        batch.sort()
        for _cls, _key, _seq, action in batch:
            action()
        idle.sort()
        self._end_of_round([action for _key, _seq, action in idle] if idle else [])
