"""The hand-written relay's four hops, and how much database work each does per event.

Set to the commands the services sent per event in a calibration run at 2 graduates/s
(30 Nov 2026, after the batching and caching of issue 9; every run prints both sides'
measured figures again, so a drift shows). Scheduling's work on person events (stays: the
inbox and 2 writes per graduate), which the relay has no hop for, is folded into hop 3.

Per consumed event, besides the inbox check (one read) and the inbox insert (one write); per
published event, besides the outbox insert and delete (two writes):

- intake, per clinic fact: reads the person, the centre (facts naming one), the fact by id
  and the outbox (its relay); writes the fact (per published event) and links the centre on
  an admission (1 fact in 5).
- eligibility, per person event: reads the person's facts, the policies and, once a
  programme is completed, the decision; writes the facts (counted and returned in one
  findAndModify), the first decision (1 in 5) and the decision of each change. Publishes 3
  changes per graduate: the 3rd, 4th and 5th facts change the reasons (the 5th: eligible).
- scheduling, per eligibility change: reads the supporter's assignments and the centre (not
  eligible), the centre's upcoming sessions, then per session the session, its assignments,
  the eligible supporters, their bookings, the network and the staffing state — and each
  eligible supporter's availability and stays, 2 reads per candidate, which the relay does not
  grow with; writes who is eligible. A booking writes a time hold per 5 minutes, the slot, the
  announced mark and the staffing state, and publishes the assignment and the session's new
  staffing.
- notifications, per session event: reads the centre, the recipient's contact and the
  staffing state; writes the staffing state, the delivery records and the in-app message.

Off this path, the services also do work the relay does not: scheduling stores stays from
admissions and completions (2 of a graduate's 5 person events, 4 writes), and each outbox
relay polls its collection.
"""

from __future__ import annotations

from dataclasses import dataclass

from peerlink_shared.messaging.topics import CLINIC_INBOUND

# The one clinic system both sides' graduates' facts come from, on its own topic.
CLINIC = "bench"
INBOUND = f"{CLINIC_INBOUND}.{CLINIC}"
INBOX_WRITES = 1  # the handled event's id
OUTBOX_WRITES = 2  # insert before publishing, delete after the acknowledgement
CHANGES_PER_GRADUATE = 3  # eligibility changes the 3rd, 4th and 5th facts cause


@dataclass(frozen=True)
class HopSpec:
    number: int
    stands_for: str
    source: str  # topic names in the catalogue (or the clinic's inbound topic)
    target: str
    reads: float  # per consumed event, besides the inbox check
    writes: float  # per consumed event, besides the inbox and the outbox
    output_writes: float  # per published event, besides the outbox pair
    fan_out: str  # what it publishes, for the printed table


def default_hops(*, session_minutes: int) -> tuple[HopSpec, ...]:
    booking_writes = session_minutes // 5 + 2  # time holds, the slot, the announced mark
    staffing_writes = 1
    return (
        HopSpec(1, "intake", INBOUND, "person-events", 1.3, 0.4, 1.0, "every fact"),
        HopSpec(
            2,
            "eligibility",
            "person-events",
            "eligibility-changes",
            2.65,
            1.2,
            1.0,
            f"facts 3-5 of a graduate ({CHANGES_PER_GRADUATE} changes, the last eligible)",
        ),
        HopSpec(
            3,
            "scheduling",
            "eligibility-changes",
            "session-events",
            9.4,
            1.85,
            (booking_writes + staffing_writes) / 2,
            "on an eligible change while the centre has places: assignment + staffing",
        ),
        HopSpec(
            4,
            "notifications",
            "session-events",
            "notification-events",
            3.2,
            1.5,
            1.0,
            "a message per session event",
        ),
    )


def with_overrides(
    hops: tuple[HopSpec, ...], *, reads: list[float] | None, writes: list[float] | None
) -> tuple[HopSpec, ...]:
    """Per-hop reads or per-event writes from the command line (four numbers each)."""
    return tuple(
        HopSpec(
            hop.number,
            hop.stands_for,
            hop.source,
            hop.target,
            reads[n] if reads else hop.reads,
            writes[n] if writes else hop.writes,
            hop.output_writes,
            hop.fan_out,
        )
        for n, hop in enumerate(hops)
    )
