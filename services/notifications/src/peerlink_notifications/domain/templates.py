"""Message texts. They say where and when, never why: no treatment, relapse or eligibility.

Each text exists in every supported language; a recipient whose language is not supported
reads English. Dates are spelled from our own tables, never from the process's C locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import assert_never
from zoneinfo import ZoneInfo

from peerlink_notifications.domain.languages import DEFAULT_LOCALE, WORDS, Locale, Topic, Words


@dataclass(frozen=True)
class CentreView:
    centre_id: str
    display_name: str
    timezone: str


@dataclass(frozen=True)
class SessionBooked:
    centre: CentreView
    starts_at: datetime


@dataclass(frozen=True)
class SessionReleased:
    centre: CentreView
    starts_at: datetime


@dataclass(frozen=True)
class SessionCancelled:
    centre: CentreView
    starts_at: datetime


@dataclass(frozen=True)
class SessionUnfilled:
    centre: CentreView
    starts_at: datetime
    open_slots: int
    reason: str


@dataclass(frozen=True)
class SessionStaffed:
    """For the centre: a session that was short of supporters, or lost one, is fully staffed
    again (`new_supporter`: someone booked was replaced)."""

    centre: CentreView
    starts_at: datetime
    new_supporter: bool


Message = SessionBooked | SessionReleased | SessionCancelled | SessionUnfilled | SessionStaffed


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    locale: Locale


def resolve_locale(requested: str | None) -> Locale:
    """'es-MX' reads Spanish; anything we have no texts for reads English."""
    language = (requested or "").split("-", 1)[0].lower()
    if language == "es":
        return "es"
    return DEFAULT_LOCALE


def render(message: Message, locale: Locale = DEFAULT_LOCALE) -> Rendered:
    words = WORDS[locale]
    return Rendered(words.subjects[_topic(message)], _text(message, words), locale)


def _topic(message: Message) -> Topic:
    match message:
        case SessionBooked():
            return "booked"
        case SessionReleased() | SessionCancelled():
            return "changed"
        case SessionUnfilled():
            return "unfilled"
        case SessionStaffed():
            return "staffed"
        case _:
            assert_never(message)


def _text(message: Message, words: Words) -> str:
    when = _when(message, words)
    match message:
        case SessionBooked():
            return words.booked.format(when=when)
        case SessionReleased():
            return words.released.format(when=when)
        case SessionCancelled():
            return words.cancelled.format(when=when)
        case SessionUnfilled(open_slots=slots, reason=reason):
            places = words.one_place if slots == 1 else words.places.format(slots=slots)
            because = words.unfilled_because.get(reason, words.unfilled_otherwise)
            return words.unfilled.format(when=when, places=places, because=because)
        case SessionStaffed(new_supporter=True):
            return words.staffed_new_supporter.format(when=when)
        case SessionStaffed():
            return words.staffed.format(when=when)
        case _:
            assert_never(message)


def _when(message: Message, words: Words) -> str:
    local = message.starts_at.astimezone(ZoneInfo(message.centre.timezone))
    weekday, month = words.weekdays[local.weekday()], words.months[local.month - 1]
    day = words.day.format(weekday=weekday, month=month, at=local)
    return words.when.format(centre=message.centre.display_name, day=day, at=local)
