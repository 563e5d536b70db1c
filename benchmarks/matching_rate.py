"""Matching rate: session requests per second against a pool of supporters.

    make bench-matching                              # 10,000 requests, 5,000 supporters
    make bench-matching REQUESTS=2000 SUPPORTERS=1000

Pure domain, no servers: a seeded network of 40 centres in 8 regions, supporters with weekly
availability, a home centre, some graduates, some past stays; requests over the next eight
weeks, four in five group sessions (1-3 supporters), one in five one-on-one meetings with a
four-hour window and a resident. Every request is matched against the whole pool, and each
choice becomes a booking the next requests must respect, as in the service.

The baseline, measured in the same run on the first requests, is the obvious matcher: check
every supporter's hard rules, then rank those who pass. Both must choose exactly alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from peerlink_scheduling.domain.availability import Availability, Window
from peerlink_scheduling.domain.matching import (
    Choice,
    Pool,
    Resident,
    SessionRequest,
    Supporter,
    broken_rule,
    match,
    ranking,
)
from peerlink_scheduling.domain.network import Network
from peerlink_scheduling.domain.stays import Stay

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday
CENTRES = [f"c{n:02d}" for n in range(40)]
NETWORK = Network({centre: f"r{n % 8}" for n, centre in enumerate(CENTRES)})
Matcher = Callable[[SessionRequest, Pool], list[Choice]]


def supporters(count: int, rng: random.Random) -> list[Supporter]:
    people = []
    for n in range(count):
        home = rng.choice(CENTRES)
        days = rng.sample(range(7), rng.randint(2, 5))
        start = rng.choice((9, 13, 17))
        windows = {day: (Window(time_of(start), time_of(start + 5)),) for day in days}
        stayed = rng.choice(CENTRES)
        first = date(2018, 1, 1) + timedelta(days=rng.randint(0, 2500))
        people.append(
            Supporter(
                supporter_id=f"p-{n:05d}",
                availability=Availability(
                    "Europe/Dublin",
                    windows,
                    max_sessions_per_week=rng.choice((None, 2, 3, 5)),
                    regions=frozenset(rng.sample(sorted(set(NETWORK.regions.values())), 3)),
                    home_centre=home,
                ),
                graduated_from=frozenset({stayed}) if rng.random() < 0.5 else frozenset(),
                stays=(Stay(stayed, first, first + timedelta(days=90)),),
            )
        )
    return people


def time_of(hour: int) -> dt.time:
    return dt.time(min(hour, 23), 59 if hour > 23 else 0)


def requests(count: int, rng: random.Random) -> Work:
    made: Work = []
    for n in range(count):
        centre = rng.choice(CENTRES)
        day = START + timedelta(days=rng.randint(0, 55))
        at = day.replace(hour=rng.choice((9, 10, 13, 14, 17, 18)))
        if rng.random() < 0.2:
            resident = Resident(
                f"r-{n}",
                stays=(Stay(centre, date(2026, 12, 1), None),),
                excluded=frozenset({f"p-{rng.randint(0, 99):05d}"}),
            )
            request = SessionRequest(
                f"m-{n}", centre, at, timedelta(hours=1), 1, resident.resident_id,
                at + timedelta(hours=4),
            )  # fmt: skip
            made.append((request, resident))
        else:
            request = SessionRequest(f"s-{n}", centre, at, timedelta(minutes=90), rng.randint(1, 3))
            made.append((request, None))
    return made


def obvious_match(request: SessionRequest, pool: Pool) -> list[Choice]:
    """The baseline: every supporter's rules checked, then the passing ones ranked."""
    passing = []
    rank = ranking(request, pool)
    for supporter in pool.supporters:
        starts = request.start_times()
        start = next((at for at in starts if not broken_rule(request, at, supporter, pool)), None)
        if start is not None:
            passing.append((rank(supporter), start))
    passing.sort()
    return [Choice(key[-1], at, "") for key, at in passing[: request.supporters_needed]]


Work = list[tuple[SessionRequest, Resident | None]]
Outcome = list[list[tuple[str, datetime]]]


def run(matcher: Matcher, people: list[Supporter], work: Work) -> tuple[float, Outcome]:
    """Matches every request in turn, booking each choice; returns (seconds, choices)."""
    index = {s.supporter_id: n for n, s in enumerate(people)}
    pool_list = list(people)
    outcome: Outcome = []
    began = time.perf_counter()
    for request, resident in work:
        pool = Pool(tuple(pool_list), network=NETWORK, resident=resident)
        chosen = matcher(request, pool)
        outcome.append([(c.supporter_id, c.starts_at) for c in chosen])
        for choice in chosen:
            n = index[choice.supporter_id]
            booked = request.at(choice.starts_at)
            pool_list[n] = replace(pool_list[n], bookings=(*pool_list[n].bookings, booked))
    return time.perf_counter() - began, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--supporters", type=int, default=5_000)
    parser.add_argument("--baseline-requests", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(20261127)
    people = supporters(args.supporters, rng)
    work = requests(args.requests, rng)

    seconds, outcome = run(
        lambda request, pool: match(request, assigned=(), pool=pool), people, work
    )
    filled = sum(len(chosen) for chosen in outcome)
    wanted = sum(request.supporters_needed for request, _ in work)
    sample = work[: args.baseline_requests]
    base_seconds, base_outcome = run(obvious_match, people, sample)
    if base_outcome != outcome[: len(sample)]:
        raise SystemExit("the baseline chose differently: the comparison would be meaningless")
    base_check, _ = run(
        lambda request, pool: match(request, assigned=(), pool=pool), people, sample
    )
    rate, base_rate = len(work) / seconds, len(sample) / base_seconds
    first = f"the first {len(sample):,}"
    print(f"supporters:  {args.supporters:,}")
    print(f"requests:    {len(work):,} ({filled:,} of {wanted:,} places filled)")
    print(f"matching:    {rate:,.0f} requests/s over the whole run ({seconds:.1f} s)")
    print(f"matching:    {len(sample) / base_check:,.0f} requests/s on {first}")
    print(f"baseline:    {base_rate:,.0f} requests/s on {first} (check everyone, then rank)")
    print(f"speed-up:    {base_seconds / base_check:.1f}x on the same requests")


if __name__ == "__main__":
    main()
