"""The languages messages are written in: one table of texts each, filled in by
`templates.render`. Adding a language is adding a table (and its code to `Locale`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Locale = Literal["en", "es"]
DEFAULT_LOCALE: Locale = "en"


Topic = Literal["booked", "changed", "unfilled", "staffed"]


@dataclass(frozen=True)
class Words:
    """One language's texts. `{when}` is where and when (from `when` and `day`, in the
    centre's own time); an unfilled session's text also names `{places}` and `{because}`."""

    subjects: Mapping[Topic, str]
    booked: str
    released: str
    cancelled: str
    unfilled: str
    staffed: str
    staffed_new_supporter: str
    one_place: str
    places: str
    # Scheduling's reason codes, told as staffing facts: who is free, never why anyone is not.
    unfilled_because: Mapping[str, str]
    unfilled_otherwise: str
    when: str
    day: str
    weekdays: tuple[str, ...]
    months: tuple[str, ...]


ENGLISH = Words(
    subjects={
        "booked": "PeerLink: you're booked for a session",
        "changed": "PeerLink: a change to your session",
        "unfilled": "PeerLink: a session still needs supporters",
        "staffed": "PeerLink: a session is fully staffed",
    },
    booked="You're booked for a session {when}.",
    released="Your session {when} has been given to someone else. You don't need to attend.",
    cancelled="Your session {when} has been cancelled. You don't need to attend.",
    unfilled="The session {when} still needs {places}: {because}.",
    staffed="The session {when} is now fully staffed.",
    staffed_new_supporter="The session {when} has a new supporter and is fully staffed.",
    one_place="1 supporter",
    places="{slots} supporters",
    unfilled_because={
        "no_eligible_supporters": "no peer supporter can serve at this centre yet",
        "no_free_supporters": "every supporter who can serve is booked, away or at their "
        "weekly limit",
    },
    unfilled_otherwise="no supporter could be found",
    when="at {centre} on {day} at {at:%H:%M}",
    day="{weekday} {at:%d} {month} {at:%Y}",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=(
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
    ),
)
SPANISH = Words(
    subjects={
        "booked": "PeerLink: tienes una sesión reservada",
        "changed": "PeerLink: un cambio en tu sesión",
        "unfilled": "PeerLink: una sesión aún necesita personas de apoyo",
        "staffed": "PeerLink: una sesión ya tiene todo su personal de apoyo",
    },
    booked="Tienes una sesión reservada {when}.",
    released="Tu sesión {when} se ha asignado a otra persona. No necesitas asistir.",
    cancelled="Tu sesión {when} se ha cancelado. No necesitas asistir.",
    unfilled="La sesión {when} aún necesita {places}: {because}.",
    staffed="La sesión {when} ya está completa.",
    staffed_new_supporter="La sesión {when} tiene una nueva persona de apoyo y está completa.",
    one_place="1 persona de apoyo",
    places="{slots} personas de apoyo",
    unfilled_because={
        "no_eligible_supporters": "todavía ninguna persona de apoyo puede atender en este centro",
        "no_free_supporters": "todas las personas de apoyo que pueden atender están reservadas, "
        "ausentes o en su límite semanal",
    },
    unfilled_otherwise="no se encontró ninguna persona de apoyo",
    when="en {centre} el {day} a las {at:%H:%M}",
    day="{weekday} {at.day} de {month} de {at:%Y}",
    weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    months=(
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
    ),
)
WORDS: Mapping[Locale, Words] = {"en": ENGLISH, "es": SPANISH}
