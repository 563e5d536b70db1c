"""Who may call each HTTP route of the four services: one row per route.

Every route an app serves needs a row here (`tests/unit/test_authorisation_table.py` fails
otherwise), so a new route forces a decision. `tests/integration/test_authorisation_matrix.py`
calls every route as every kind of caller against the real servers and checks the answer
against the row; `docs/security-matrix.md` is rendered from these rows
(`python -m tests.authorisation_matrix > docs/security-matrix.md`).

What a grant means:

- `COORDINATOR`, `CLINIC_SYSTEM`, `OPS`: that role, with a token for the route's centre (the
  `{centre_id}` in the path; for `/jobs/{job_id}`, the job's centre). An ops token for every
  centre (`*`) counts as a token for each centre. A token for `*` is refused (401) for any
  role but ops, whoever signed it.
- `SELF`: the supporter the path names (a supporter token's subject is their person id), with
  a token for the route's centre when the route has one.
- `NETWORK_OPS`: an ops token for every centre (`*`) only.
- `ANY_CENTRE`: with a role, that role with a token for any centre (a route naming no centre,
  such as a clinic system's grants, which every coordinator may read).
- `LINKED`: a coordinator of a centre linked to the person the path names (a route that
  names no centre; once the person is erased, of the centre that asked).
- `ANYONE`: no token needed.

`PERSON_DATA`: the route reads or changes a person's data, so every call is audited and
an ops token must state why in `X-Access-Reason` (break-glass), or it is refused (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, Flag, auto


class May(Flag):
    COORDINATOR = auto()
    CLINIC_SYSTEM = auto()
    OPS = auto()
    SELF = auto()
    NETWORK_OPS = auto()
    ANYONE = auto()
    ANY_CENTRE = auto()
    LINKED = auto()


class Data(Enum):
    PERSON = "person data"
    NONE = "no person data"


COORDINATOR, CLINIC_SYSTEM, OPS = May.COORDINATOR, May.CLINIC_SYSTEM, May.OPS
SELF, NETWORK_OPS, ANYONE, ANY_CENTRE = May.SELF, May.NETWORK_OPS, May.ANYONE, May.ANY_CENTRE
LINKED = May.LINKED
STAFF = COORDINATOR | OPS
RECORDERS = COORDINATOR | CLINIC_SYSTEM | OPS
PERSON_DATA, NO_PERSON_DATA = Data.PERSON, Data.NONE
EVERY_SERVICE = "every service"
# Path ids that belong to one centre: a grant to a role there is a grant at that centre.
CENTRE_IDS = ("{centre_id}", "{job_id}")


@dataclass(frozen=True)
class Row:
    service: str
    route: str  # "METHOD /path/{template}", as the app declares it
    who: May
    data: Data
    note: str = ""

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.route.split(" ", 1)[1]

    @property
    def person_data(self) -> bool:
        return self.data is Data.PERSON

    @property
    def at_centre(self) -> bool:
        return any(name in self.path for name in CENTRE_IDS)

    @property
    def names_person(self) -> bool:
        return "{person_id}" in self.path


Entry = tuple[str, May, Data] | tuple[str, May, Data, str]


def rows(service: str, *entries: Entry) -> tuple[Row, ...]:
    return tuple(Row(service, *entry) for entry in entries)


PERSON = "/centres/{centre_id}/persons/{person_id}"
CENTRE = "/centres/{centre_id}"

# fmt: off
ROWS: tuple[Row, ...] = (
    *rows(EVERY_SERVICE,  # what shared.app.create_app serves in each app
        ("GET /health",                         ANYONE,               NO_PERSON_DATA),
        ("GET /ready",                          ANYONE,               NO_PERSON_DATA),
        ("GET /metrics",                        ANYONE,               NO_PERSON_DATA),
        ("GET /openapi.json",                   ANYONE,               NO_PERSON_DATA),
        ("GET /docs",                           ANYONE,               NO_PERSON_DATA),
        ("GET /docs/oauth2-redirect",           ANYONE,               NO_PERSON_DATA),
        ("GET /redoc",                          ANYONE,               NO_PERSON_DATA),
        ("GET /asyncapi.json",                  ANYONE,               NO_PERSON_DATA),
        ("GET /audit",                          NETWORK_OPS,          NO_PERSON_DATA,
            "each read is itself audited; no reason asked"),
    ),
    *rows("intake",
        (f"PUT {CENTRE}",                       STAFF,                NO_PERSON_DATA),
        (f"GET {CENTRE}",                       RECORDERS,            NO_PERSON_DATA),
        (f"POST {CENTRE}/persons",              RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/admissions",           RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/programme-ends",       RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/discharges",           RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/sobriety-milestones",  RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/relapses",             RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/craving-check-ins",    RECORDERS | SELF,     PERSON_DATA),
        (f"POST {PERSON}/volunteering",         RECORDERS | SELF,     PERSON_DATA),
        (f"POST {PERSON}/trainings",            RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/background-checks",    RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/referrals",            RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/referral-acceptances", RECORDERS,            PERSON_DATA),
        (f"POST {PERSON}/link-consents",        RECORDERS | SELF,     PERSON_DATA),
        (f"POST {PERSON}/link-consent-withdrawals", RECORDERS | SELF, PERSON_DATA),
        (f"POST {PERSON}/network-sharing",      RECORDERS | SELF,     PERSON_DATA),
        (f"GET {PERSON}/links",                 RECORDERS | SELF,     PERSON_DATA),
        (f"GET {CENTRE}/referrals",             RECORDERS,            PERSON_DATA),
        ("PUT /clinics/{clinic}",               NETWORK_OPS,          NO_PERSON_DATA,
            "registers a clinic system and replaces the centres it may act for"),
        ("GET /clinics/{clinic}",               STAFF | ANY_CENTRE,   NO_PERSON_DATA),
        ("GET /clinics/{clinic}/versions",      STAFF | ANY_CENTRE,   NO_PERSON_DATA),
        ("PUT /clinics/{clinic}/centres/{centre_id}", STAFF,          NO_PERSON_DATA,
            "the centre's coordinator lets the clinic act for it"),
        ("DELETE /clinics/{clinic}/centres/{centre_id}", STAFF,       NO_PERSON_DATA),
        ("POST /persons/{person_id}/erasure",   LINKED | NETWORK_OPS, PERSON_DATA,
            "forgets the person everywhere; own centre: a centre linked to them"),
        ("GET /persons/{person_id}/erasure",    LINKED | NETWORK_OPS, PERSON_DATA,
            "which services confirmed; own centre: linked, or the one that asked"),
        ("GET /persons/{person_id}/held",       SELF | NETWORK_OPS,   PERSON_DATA),
        ("GET /persons/{person_id}/report",     SELF | NETWORK_OPS,   PERSON_DATA,
            "subject access: every service's holdings, with the caller's token relayed"),
    ),
    *rows("eligibility",
        (f"GET {PERSON}/decision",              STAFF,                PERSON_DATA,
            "reasons: the centre's own people only"),
        (f"GET {PERSON}/standing",              STAFF,                PERSON_DATA),
        ("GET /persons/{person_id}/decisions",  NETWORK_OPS,          PERSON_DATA),
        (f"GET {CENTRE}/eligible-supporters",   STAFF,                PERSON_DATA),
        (f"GET {CENTRE}/decisions",             STAFF,                PERSON_DATA,
            "the centre's own people only"),
        (f"GET {CENTRE}/policy",                STAFF,                NO_PERSON_DATA),
        (f"GET {CENTRE}/policy/versions",       STAFF,                NO_PERSON_DATA),
        (f"PUT {CENTRE}/policy",                STAFF,                NO_PERSON_DATA),
        (f"POST {CENTRE}/policy/preview",       STAFF,                PERSON_DATA,
            "what-if, writes nothing: names the centre's own people, counts the rest"),
        ("GET /jobs/{job_id}",                  STAFF,                NO_PERSON_DATA,
            "at the job's centre"),
        ("GET /persons/{person_id}/held",       SELF | NETWORK_OPS,   PERSON_DATA),
    ),
    *rows("scheduling",
        (f"POST {CENTRE}/sessions",             STAFF,                NO_PERSON_DATA),
        (f"POST {CENTRE}/meetings",             STAFF,                PERSON_DATA),
        (f"PUT {CENTRE}/residents/{{person_id}}/exclusions",
                                                STAFF,                PERSON_DATA),
        (f"DELETE {CENTRE}/sessions/{{session_id}}",
                                                STAFF,                PERSON_DATA),
        (f"GET {CENTRE}/sessions",              STAFF,                PERSON_DATA),
        ("PUT /supporters/{person_id}/availability",
                                                SELF | NETWORK_OPS,   PERSON_DATA),
        ("GET /supporters/{person_id}/bookings",
                                                SELF | NETWORK_OPS,   PERSON_DATA),
        ("GET /persons/{person_id}/held",       SELF | NETWORK_OPS,   PERSON_DATA),
    ),
    *rows("notifications",
        ("GET /persons/{person_id}/messages",   SELF | NETWORK_OPS,   PERSON_DATA),
        ("GET /persons/{person_id}/deliveries", SELF | NETWORK_OPS,   PERSON_DATA),
        ("PUT /persons/{person_id}/contact",    SELF | NETWORK_OPS,   PERSON_DATA),
        ("GET /persons/{person_id}/contact",    SELF | NETWORK_OPS,   PERSON_DATA,
            "ops sees which channels are on file, not the addresses"),
        (f"GET {CENTRE}/messages",              STAFF,                PERSON_DATA),
        (f"GET {CENTRE}/deliveries",            STAFF,                PERSON_DATA),
        (f"PUT {CENTRE}/contact",               STAFF,                NO_PERSON_DATA),
        (f"GET {CENTRE}/contact",               STAFF,                NO_PERSON_DATA),
        ("GET /persons/{person_id}/held",       SELF | NETWORK_OPS,   PERSON_DATA,
            "addresses shown to the person only"),
    ),
)
# fmt: on
