"""The authorisation table covers every route the four apps serve, says of each what its
code says (person data or not), holds no grant that cannot apply, and is what
docs/security-matrix.md shows. The calls themselves are tried against the real servers in
tests/integration/test_authorisation_matrix.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from peerlink_shared.security.auth import Role

from tests.authorisation_matrix import (
    APPS,
    Cell,
    Outcome,
    ServedRoute,
    Subject,
    TokenCentre,
    expected,
    render,
    row_for,
    served_routes,
)
from tests.authorisation_table import (
    ANY_CENTRE,
    ANYONE,
    CLINIC_SYSTEM,
    COORDINATOR,
    EVERY_SERVICE,
    NETWORK_OPS,
    OPS,
    ROWS,
    SELF,
    STAFF,
    Data,
    May,
    Row,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "security-matrix.md"
ROUTES = served_routes()


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_every_served_route_has_a_row(route: ServedRoute) -> None:
    row = row_for(route.service, route.route)
    assert row is not None, (
        f"{route.name} has no row in tests/authorisation_table.py: decide who may call it "
        "(and whether it is person data), add the row, then regenerate docs/security-matrix.md"
    )
    assert row.person_data is route.person_data, (
        f"{route.name}: the table says {row.data.value}, but the route "
        + ("takes" if route.person_data else "does not take")
        + " its caller as PersonCaller"
    )


def test_every_row_names_a_route_that_is_served() -> None:
    served = {(route.service, route.route) for route in ROUTES}
    stale = [
        f"{row.service} {row.route}"
        for row in ROWS
        if not any((service, row.route) in served for service in _services_of(row))
    ]
    assert not stale, f"rows for routes no app serves: {stale}"
    everywhere = [row for row in ROWS if row.service == EVERY_SERVICE]
    partial = [
        f"{service} {row.route}"
        for row in everywhere
        for service in APPS
        if (service, row.route) not in served
    ]
    assert not partial, f"rows for every service that some service lacks: {partial}"


def test_one_row_per_route() -> None:
    keys = [(row.service, row.route) for row in ROWS]
    assert len(keys) == len(set(keys))
    shared = {row.route for row in ROWS if row.service == EVERY_SERVICE}
    assert not [row for row in ROWS if row.service != EVERY_SERVICE and row.route in shared]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.service} {row.route}")
def test_each_grant_can_apply_to_its_route(row: Row) -> None:
    if SELF in row.who:
        assert row.names_person, "SELF needs a person in the path"
    if row.who & (COORDINATOR | CLINIC_SYSTEM | OPS):
        assert row.at_centre != (ANY_CENTRE in row.who), (
            "a role's grant is at the path's centre, or (ANY_CENTRE) at any centre when the "
            "path names none"
        )
    if ANYONE in row.who:
        assert row.who == ANYONE and row.data is Data.NONE, "public routes hold no person data"


def _row(who: May, data: Data, route: str) -> Row:
    return Row("intake", route, who, data)


PERSON_ROUTE = "POST /centres/{centre_id}/persons/{person_id}/x"


@pytest.mark.parametrize(
    ("row", "cell", "outcome"),
    [
        (_row(STAFF, Data.NONE, "GET /centres/{centre_id}"), Cell(), Outcome.UNAUTHENTICATED),
        (_row(ANYONE, Data.NONE, "GET /x"), Cell(), Outcome.ALLOWED),
        (
            _row(STAFF, Data.NONE, "GET /centres/{centre_id}"),
            Cell(Role.OPS, TokenCentre.EVERY, forged=True),
            Outcome.UNAUTHENTICATED,
        ),
        (
            _row(STAFF | SELF, Data.PERSON, PERSON_ROUTE),
            Cell(Role.COORDINATOR, TokenCentre.EVERY),
            Outcome.UNAUTHENTICATED,
        ),
        (
            _row(STAFF, Data.NONE, "GET /centres/{centre_id}"),
            Cell(Role.COORDINATOR, TokenCentre.ANOTHER),
            Outcome.FORBIDDEN,
        ),
        (
            _row(STAFF, Data.PERSON, PERSON_ROUTE),
            Cell(Role.OPS, TokenCentre.EVERY),
            Outcome.FORBIDDEN,
        ),
        (
            _row(STAFF, Data.PERSON, PERSON_ROUTE),
            Cell(Role.OPS, TokenCentre.OWN, reason=True),
            Outcome.ALLOWED,
        ),
        (
            _row(SELF, Data.PERSON, PERSON_ROUTE),
            Cell(Role.SUPPORTER, TokenCentre.ANOTHER, Subject.SELF),
            Outcome.FORBIDDEN,
        ),
        (
            _row(SELF | NETWORK_OPS, Data.PERSON, "GET /persons/{person_id}/x"),
            Cell(Role.SUPPORTER, TokenCentre.ANOTHER, Subject.SELF),
            Outcome.ALLOWED,
        ),
        (
            _row(SELF | NETWORK_OPS, Data.PERSON, "GET /persons/{person_id}/x"),
            Cell(Role.SUPPORTER, TokenCentre.OWN, Subject.ANOTHER),
            Outcome.FORBIDDEN,
        ),
        (
            _row(SELF | NETWORK_OPS, Data.PERSON, "GET /persons/{person_id}/x"),
            Cell(Role.OPS, TokenCentre.OWN, reason=True),
            Outcome.FORBIDDEN,
        ),
    ],
)
def test_the_rules_read_a_row_as_its_legend_says(row: Row, cell: Cell, outcome: Outcome) -> None:
    assert expected(row, cell) is outcome


def test_the_doc_shows_the_table() -> None:
    assert DOC.read_text() == render(), (
        "docs/security-matrix.md is out of date: "
        "python -m tests.authorisation_matrix > docs/security-matrix.md"
    )


def _services_of(row: Row) -> list[str]:
    return list(APPS) if row.service == EVERY_SERVICE else [row.service]
