"""The authorisation matrix: the routes each app serves, the callers each route is tried
with, what the table in `tests/authorisation_table.py` says each should get, and the
human-readable version of that table (`python -m tests.authorisation_matrix`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from peerlink_eligibility.bootstrap import bootstrap as eligibility
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.bootstrap import bootstrap as notifications
from peerlink_notifications.settings import NotificationsSettings
from peerlink_scheduling.bootstrap import bootstrap as scheduling
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.keys import new_kek_setting
from peerlink_shared.security.auth import Role
from peerlink_shared.web.person_access import person_caller

from tests.authorisation_table import (
    ANY_CENTRE,
    ANYONE,
    EVERY_SERVICE,
    LINKED,
    NETWORK_OPS,
    ROWS,
    SELF,
    May,
    Row,
)

Settings = dict[str, object]
APPS: dict[str, Callable[[Settings], FastAPI]] = {
    "intake": lambda values: intake(IntakeSettings.model_validate(values)),
    "eligibility": lambda values: eligibility(EligibilitySettings.model_validate(values)),
    "scheduling": lambda values: scheduling(SchedulingSettings.model_validate(values)),
    "notifications": lambda values: notifications(NotificationsSettings.model_validate(values)),
}
ROLE_GRANTS = {
    Role.COORDINATOR: May.COORDINATOR,
    Role.CLINIC_SYSTEM: May.CLINIC_SYSTEM,
    Role.OPS: May.OPS,
}


class TokenCentre(Enum):
    """The token's centre, against the centre the route acts on."""

    OWN = "own centre"
    ANOTHER = "another centre"
    EVERY = "every centre (*)"


class Subject(Enum):
    """Whom the path names, against the supporter calling."""

    SELF = "self"
    ANOTHER = "another person"


class Outcome(Enum):
    ALLOWED = "allowed"
    UNAUTHENTICATED = "refused: 401"
    FORBIDDEN = "refused: 403"


@dataclass(frozen=True)
class Cell:
    """One kind of caller: no token at all when `role` is None."""

    role: Role | None = None
    centre: TokenCentre = TokenCentre.OWN
    person: Subject | None = None
    reason: bool = False
    forged: bool = False  # an ops token for `*` signed with a key the services do not hold

    @property
    def label(self) -> str:
        if self.role is None:
            return "no token"
        if self.forged:
            return "forged token (ops for *, unknown key)"
        parts = [f"{self.role.value} for {self.centre.value}"]
        if self.person is not None:
            parts.append(f"path names {self.person.value}")
        if self.role is Role.OPS:
            parts.append("with X-Access-Reason" if self.reason else "without X-Access-Reason")
        return ", ".join(parts)


def cells(row: Row) -> Iterator[Cell]:
    """Every caller the row is tried with: no token, a forged token, and each role for its
    own centre, another centre and `*` (a supporter for themself and for someone else when
    the path names a person; ops with and without a reason on person data)."""
    yield Cell()
    yield Cell(role=Role.OPS, centre=TokenCentre.EVERY, forged=True)
    for role in Role:
        persons = list(Subject) if role is Role.SUPPORTER and row.names_person else [None]
        reasons = [True, False] if role is Role.OPS and row.person_data else [False]
        for centre in TokenCentre:
            for person in persons:
                for reason in reasons:
                    yield Cell(role=role, centre=centre, person=person, reason=reason)


def expected(row: Row, cell: Cell) -> Outcome:
    if ANYONE in row.who:
        return Outcome.ALLOWED
    if cell.role is None or cell.forged:
        return Outcome.UNAUTHENTICATED
    if cell.centre is TokenCentre.EVERY and cell.role is not Role.OPS:
        return Outcome.UNAUTHENTICATED  # `*` is for ops only, whoever signed the token
    if row.person_data and cell.role is Role.OPS and not cell.reason:
        return Outcome.FORBIDDEN  # break-glass needs a stated reason
    return Outcome.ALLOWED if grants(row, cell) else Outcome.FORBIDDEN


def grants(row: Row, cell: Cell) -> bool:
    at_route_centre = not row.at_centre or cell.centre is not TokenCentre.ANOTHER
    if cell.role is Role.SUPPORTER:
        return SELF in row.who and cell.person is Subject.SELF and at_route_centre
    if cell.role is Role.OPS and cell.centre is TokenCentre.EVERY and NETWORK_OPS in row.who:
        return True
    if cell.role is Role.COORDINATOR and LINKED in row.who:
        return cell.centre is TokenCentre.OWN  # the world's persons are linked to it alone
    role = ROLE_GRANTS.get(cell.role) if cell.role is not None else None
    if role is None or role not in row.who:
        return False
    return (row.at_centre and at_route_centre) or (not row.at_centre and ANY_CENTRE in row.who)


@dataclass(frozen=True)
class ServedRoute:
    service: str
    route: str  # "METHOD /path/{template}"
    person_data: bool  # its caller comes through `person_caller` (audited, reason for ops)

    @property
    def name(self) -> str:
        return f"{self.service} {self.route}"


@cache
def served_routes() -> tuple[ServedRoute, ...]:
    """Every (method, path) each app serves, read from the app its own bootstrap builds
    (nothing connects: the lifespan does not run). HEAD is left out where it only mirrors
    GET."""
    values: Settings = {
        "kafka_bootstrap": "unused:9092",
        "kafka_security_protocol": "PLAINTEXT",
        "mongo_url": "mongodb://unused",
        "token_secret": secrets.token_urlsafe(40),
        "key_encryption_keys": new_kek_setting(),
        "topic_prefix": "",
    }
    found: list[ServedRoute] = []
    for service, build in APPS.items():
        for context in iter_route_contexts(build(values).routes):
            methods = set(context.methods or ())
            if "GET" in methods:
                methods.discard("HEAD")
            original = context.original_route
            personal = isinstance(original, APIRoute) and _depends_on(original.dependant)
            found += [
                ServedRoute(service, f"{method} {context.path}", personal)
                for method in sorted(methods)
            ]
    return tuple(found)


def _depends_on(dependant: Dependant) -> bool:
    return any(sub.call is person_caller or _depends_on(sub) for sub in dependant.dependencies)


def row_for(service: str, route: str) -> Row | None:
    for row in ROWS:
        if row.route == route and row.service in (service, EVERY_SERVICE):
            return row
    return None


def render() -> str:
    """docs/security-matrix.md, from the table and the rules the test applies to it."""
    lines = [
        "# Who may call which route",
        "",
        "*For docs/security.md.* Generated from `tests/authorisation_table.py` by "
        "`python -m tests.authorisation_matrix > docs/security-matrix.md`; "
        "`tests/unit/test_authorisation_table.py` fails when this page is out of date, and "
        "when a route any service serves has no row.",
        "",
        "`tests/integration/test_authorisation_matrix.py` calls every route of the four "
        "services, in-process against the real servers, as: no token; a forged token; and a "
        "coordinator, a clinic system, a supporter and ops, each with a token for the route's "
        "centre, for another centre and for every centre (`*`); a supporter both for themself "
        "and for another person where the path names one; ops with and without "
        "`X-Access-Reason` on person data. Refused means 401 (no valid token; a token for `*` "
        "is valid for ops only) or 403 (a valid token without the right), with the "
        "authorisation's own message; allowed means any other answer below 500 (a 404 or 409 "
        "from the route itself comes after the decision).",
        "",
        "Reading a cell: **own centre** — with a token for the centre in the path (for a job, "
        "the job's centre); **self** — the supporter the path names (a supporter token's "
        "subject is their person id), with a token for the route's centre when it has one; "
        "**+ reason** — ops must state why in `X-Access-Reason` (break-glass; kept in the "
        "audit trail), or gets 403; — refused.",
        "",
    ]
    services = [EVERY_SERVICE, *APPS]
    for service in services:
        lines += [f"## {service}", "", _HEADER, "|" + " --- |" * (len(_COLUMNS) + 4)]
        lines += [_line(row) for row in ROWS if row.service == service]
        lines.append("")
    return "\n".join(lines)


_COLUMNS: tuple[tuple[str, tuple[tuple[Cell, str], ...]], ...] = (
    (
        "Coordinator",
        (
            (Cell(Role.COORDINATOR, TokenCentre.ANOTHER), "any centre"),
            (Cell(Role.COORDINATOR, TokenCentre.OWN), "own centre"),
        ),
    ),
    (
        "Clinic system",
        (
            (Cell(Role.CLINIC_SYSTEM, TokenCentre.ANOTHER), "any centre"),
            (Cell(Role.CLINIC_SYSTEM, TokenCentre.OWN), "own centre"),
        ),
    ),
    (
        "Supporter",
        (
            (Cell(Role.SUPPORTER, TokenCentre.ANOTHER, Subject.SELF), "self"),
            (Cell(Role.SUPPORTER, TokenCentre.OWN, Subject.SELF), "self, own centre"),
        ),
    ),
    (
        "Ops, one centre",
        (
            (Cell(Role.OPS, TokenCentre.ANOTHER, reason=True), "any centre"),
            (Cell(Role.OPS, TokenCentre.OWN, reason=True), "own centre"),
        ),
    ),
    ("Ops, `*`", ((Cell(Role.OPS, TokenCentre.EVERY, reason=True), "yes"),)),
)
_HEADER = (
    "| Route | " + " | ".join(name for name, _ in _COLUMNS) + " | No token | Person data | Note |"
)


def _line(row: Row) -> str:
    def word(choices: tuple[tuple[Cell, str], ...]) -> str:
        for cell, text in choices:
            if expected(row, cell) is Outcome.ALLOWED:
                plain = not (cell.role is Role.OPS and row.person_data)
                return text if plain or ANYONE in row.who else f"{text} + reason"
        return "—"

    if ANYONE in row.who:
        who = ["anyone"] * len(_COLUMNS)
    else:
        who = [word(choices) for _, choices in _COLUMNS]
    no_token = "yes" if expected(row, Cell()) is Outcome.ALLOWED else "—"
    data = "yes" if row.person_data else ""
    return f"| `{row.route}` | " + " | ".join([*who, no_token, data, row.note]) + " |"


if __name__ == "__main__":
    print(render(), end="")
