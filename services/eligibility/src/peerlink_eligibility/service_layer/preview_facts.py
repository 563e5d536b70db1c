"""The facts a what-if reads, held by this process between previews, so a slider's successive
previews only evaluate. Reading every person's facts from FerretDB is most of a preview's
time (it filters an array field only after reading every document, so a narrower query
costs about as much); evaluating them is cheap.

How stale they may be, and why that is safe:
- the held facts are those stored when the read began (`as_of`), and are read again once
  they are `max_age` old (a setting, at most 30 s);
- every fact this process's consumer stores replaces that person's entry at once (`record`,
  with the person's whole facts as the store returned them): a fact consumed here is in the
  next preview. A fact consumed by another replica (another partition) shows within max_age;
- a preview writes nothing: the saved policy is always decided from fresh facts by the
  normal path, so the staleness is the preview's alone, and stated in its answer.

Only the first preview waits for the read (about 3 s at 10,000 persons): one asked for when
the facts are half their max age starts the next read behind it (PolicyPreviews), so a
slider in use keeps getting answers from memory.

Memory: one PersonFacts per person in the network, about 2.9 KB each with five facts and the
values the rule derives (tracemalloc): 29 MB at 10,000 persons, 290 MB at 100,000 (twice
that while a read runs behind the previews). Dropped once max_age old: a process holds them
only while previews are asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from peerlink_eligibility.domain.facts import PersonFacts
from peerlink_eligibility.service_layer.ports import Snapshot


@dataclass(frozen=True)
class HeldFacts:
    persons: list[PersonFacts]
    as_of: datetime  # stored by then; some may be newer (recorded since)


class PreviewFacts:
    """Pure state: the caller says when it is (`now`) and hands in what it read."""

    def __init__(self, *, max_age: timedelta) -> None:
        self.max_age = max_age
        self._held: dict[str, Snapshot] = {}
        self._as_of: datetime | None = None
        # While a read is under way: what the consumer recorded or forgot meanwhile (None:
        # forgotten), to lay over what the read returns, which may predate it.
        self._meanwhile: dict[str, Snapshot | None] | None = None

    def at(self, now: datetime) -> HeldFacts | None:
        """The facts held, if read within max_age of now (a clock set back makes them
        unusable, not younger)."""
        if self._as_of is None or not timedelta(0) <= now - self._as_of < self.max_age:
            return None
        return self._copy(self._as_of)

    def drop_if_expired(self, now: datetime) -> None:
        """Past max age they serve nobody: health facts are not kept in memory for nothing."""
        if self._as_of is not None and self.at(now) is None:
            self._held, self._as_of = {}, None

    def due_for_refresh(self, now: datetime) -> bool:
        """Half their max age: time to read them again behind the previews they still serve,
        so a slider in use never waits for a read."""
        return self._as_of is not None and now - self._as_of >= self.max_age / 2

    def _copy(self, as_of: datetime) -> HeldFacts:
        # A copy: the consumer may record a fact while a preview evaluates these.
        return HeldFacts([snapshot.facts for snapshot in self._held.values()], as_of)

    def begin_read(self) -> None:
        self._meanwhile = {}

    def end_read(self, read: Iterable[Snapshot], *, as_of: datetime) -> HeldFacts:
        """Holds what was read (stored by `as_of`), with anything recorded meanwhile."""
        held = {snapshot.facts.person_id: snapshot for snapshot in read}
        for person_id, seen in (self._meanwhile or {}).items():
            if seen is None:
                held.pop(person_id, None)
            else:
                held[person_id] = _newer(held.get(person_id), seen)
        self._held, self._as_of, self._meanwhile = held, as_of, None
        return self._copy(as_of)

    def abandon_read(self) -> None:
        self._meanwhile = None

    def record(self, snapshot: Snapshot) -> None:
        """A person's facts as just stored: they replace what is held, unless older."""
        person_id = snapshot.facts.person_id
        if self._as_of is not None:
            self._held[person_id] = _newer(self._held.get(person_id), snapshot)
        if self._meanwhile is not None:
            self._meanwhile[person_id] = _newer(self._meanwhile.get(person_id), snapshot)

    def forget(self, person_id: str) -> None:
        """A person whose facts were deleted (erasure): not in any later preview."""
        self._held.pop(person_id, None)
        if self._meanwhile is not None:
            self._meanwhile[person_id] = None


def _newer(held: Snapshot | None, seen: Snapshot) -> Snapshot:
    # A person's version counts their facts: it only grows, so the higher one is newer.
    return seen if held is None or seen.version >= held.version else held
