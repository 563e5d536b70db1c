"""Message texts. They say where and when, never why: no treatment, relapse or eligibility.

Each text exists in every supported language; a recipient whose language is not supported
reads English. Dates are spelled from our own tables, never from the process's C locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, assert_never
from zoneinfo import ZoneInfo

Locale = Literal["en", "es"]
DEFAULT_LOCALE: Locale = "en"


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
    match locale:
        case "en":
            return Rendered(_subject_en(message), _text_en(message), locale)
        case "es":
            return Rendered(_subject_es(message), _text_es(message), locale)
        case _:
            assert_never(locale)


def _local(message: Message) -> datetime:
    return message.starts_at.astimezone(ZoneInfo(message.centre.timezone))


def _when_en(message: Message) -> str:
    """'at <centre> on <weekday date> at <hh:mm>', in the centre's own time."""
    local = _local(message)
    day = f"{WEEKDAYS_EN[local.weekday()]} {local:%d} {MONTHS_EN[local.month - 1]} {local:%Y}"
    return f"at {message.centre.display_name} on {day} at {local:%H:%M}"


def _when_es(message: Message) -> str:
    local = _local(message)
    day = (
        f"{WEEKDAYS_ES[local.weekday()]} {local.day} de {MONTHS_ES[local.month - 1]} de {local:%Y}"
    )
    return f"en {message.centre.display_name} el {day} a las {local:%H:%M}"


def _subject_en(message: Message) -> str:
    match message:
        case SessionBooked():
            return "PeerLink: you're booked for a session"
        case SessionReleased() | SessionCancelled():
            return "PeerLink: a change to your session"
        case SessionUnfilled():
            return "PeerLink: a session still needs supporters"
        case SessionStaffed():
            return "PeerLink: a session is fully staffed"
        case _:
            assert_never(message)


def _text_en(message: Message) -> str:
    when = _when_en(message)
    match message:
        case SessionBooked():
            return f"You're booked for a session {when}."
        case SessionReleased():
            return f"Your session {when} has been given to someone else. You don't need to attend."
        case SessionCancelled():
            return f"Your session {when} has been cancelled. You don't need to attend."
        case SessionUnfilled(open_slots=slots, reason=reason):
            places = "1 supporter" if slots == 1 else f"{slots} supporters"
            because = UNFILLED_BECAUSE_EN.get(reason, "no supporter could be found")
            return f"The session {when} still needs {places}: {because}."
        case SessionStaffed(new_supporter=True):
            return f"The session {when} has a new supporter and is fully staffed."
        case SessionStaffed():
            return f"The session {when} is now fully staffed."
        case _:
            assert_never(message)


def _subject_es(message: Message) -> str:
    match message:
        case SessionBooked():
            return "PeerLink: tienes una sesión reservada"
        case SessionReleased() | SessionCancelled():
            return "PeerLink: un cambio en tu sesión"
        case SessionUnfilled():
            return "PeerLink: una sesión aún necesita personas de apoyo"
        case SessionStaffed():
            return "PeerLink: una sesión ya tiene todo su personal de apoyo"
        case _:
            assert_never(message)


def _text_es(message: Message) -> str:
    when = _when_es(message)
    match message:
        case SessionBooked():
            return f"Tienes una sesión reservada {when}."
        case SessionReleased():
            return f"Tu sesión {when} se ha asignado a otra persona. No necesitas asistir."
        case SessionCancelled():
            return f"Tu sesión {when} se ha cancelado. No necesitas asistir."
        case SessionUnfilled(open_slots=slots, reason=reason):
            places = "1 persona de apoyo" if slots == 1 else f"{slots} personas de apoyo"
            because = UNFILLED_BECAUSE_ES.get(reason, "no se encontró ninguna persona de apoyo")
            return f"La sesión {when} aún necesita {places}: {because}."
        case SessionStaffed(new_supporter=True):
            return f"La sesión {when} tiene una nueva persona de apoyo y está completa."
        case SessionStaffed():
            return f"La sesión {when} ya está completa."
        case _:
            assert_never(message)


WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
# Scheduling's reason codes, told as staffing facts: who is free, never why anyone is not.
UNFILLED_BECAUSE_EN = {
    "no_eligible_supporters": "no peer supporter can serve at this centre yet",
    "no_free_supporters": "every supporter who can serve is booked, away or at their weekly limit",
}
UNFILLED_BECAUSE_ES = {
    "no_eligible_supporters": "todavía ninguna persona de apoyo puede atender en este centro",
    "no_free_supporters": (
        "todas las personas de apoyo que pueden atender están reservadas, ausentes "
        "o en su límite semanal"
    ),
}
