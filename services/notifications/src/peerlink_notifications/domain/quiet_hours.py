"""Quiet hours: nothing external is sent while the recipient asked for quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from peerlink_notifications.domain.contacts import QuietHours


def defer_past_quiet_hours(due: datetime, quiet: QuietHours | None) -> datetime:
    """`due` itself when it falls outside quiet hours, else the moment they end (UTC).

    The end is read on the recipient's wall clock: an end that a spring-forward skips is
    reached an hour later by the wall clock (the first instant after the gap); an end that
    a fall-back repeats is the first of the two, or the second if `due` is already past
    the first.
    """
    if quiet is None or quiet.start == quiet.end:
        return due
    zone = ZoneInfo(quiet.timezone)
    local = due.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        if not quiet.start <= now < quiet.end:
            return due
        end_day = local.date()
    elif now >= quiet.start:
        end_day = local.date() + timedelta(days=1)
    elif now < quiet.end:
        end_day = local.date()
    else:
        return due
    ends = datetime.combine(end_day, quiet.end, tzinfo=zone)
    for candidate in (ends, ends.replace(fold=1)):
        if candidate.astimezone(UTC) > due:
            return candidate.astimezone(UTC)
    return due
