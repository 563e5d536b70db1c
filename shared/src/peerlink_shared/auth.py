"""Bearer tokens scoped to a centre and a role (HS256 JWT).

`centre` is a centre id, or `*` for ops tokens that span the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"
ALL_CENTRES = "*"


class Role(StrEnum):
    COORDINATOR = "coordinator"
    SUPPORTER = "supporter"
    CLINIC_SYSTEM = "clinic_system"
    OPS = "ops"


class InvalidToken(Exception):
    """The token is missing, malformed, expired or signed with another secret."""


@dataclass(frozen=True)
class Principal:
    subject: str
    centre: str
    role: Role

    def may_act_for(self, centre_id: str) -> bool:
        return self.centre in (ALL_CENTRES, centre_id)


def issue_token(
    *, secret: str, subject: str, centre: str, role: Role, now: datetime, ttl: timedelta
) -> str:
    claims = {
        "sub": subject,
        "centre": centre,
        "role": role.value,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, *, secret: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
        return Principal(
            subject=str(claims["sub"]), centre=str(claims["centre"]), role=Role(claims["role"])
        )
    except (jwt.PyJWTError, KeyError, ValueError) as error:
        raise InvalidToken(type(error).__name__) from error
