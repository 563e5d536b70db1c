"""`peerlink-token`: issues a bearer token for local use (demo, tests, manual calls).

    peerlink-token --role coordinator --centre north-house --subject coord-1
    peerlink-token --role ops --centre '*' --subject ops-1 --service intake --hours 1

The keys, issuer and maximum lifetime come from PEERLINK_TOKEN_* as the services read them
(local mode only: in oidc mode the provider issues tokens). The token is signed with the
newest key and, unless --service narrows it, is meant for all four services.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from peerlink_shared.security.auth import SERVICES, InvalidToken, Role, audience_of
from peerlink_shared.security.auth_local import issue_token
from peerlink_shared.security.auth_settings import TokenSettings
from pydantic import ValidationError


def main() -> None:
    parser = argparse.ArgumentParser(prog="peerlink-token")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--centre", required=True, help="a centre id, or * (ops only)")
    parser.add_argument("--subject", required=True, help="who: a staff or person id")
    parser.add_argument(
        "--service",
        action="append",
        choices=SERVICES,
        help="a service the token is for (repeat for several); default all four",
    )
    parser.add_argument("--hours", type=float, default=1.0, help="lifetime; default 1")
    args = parser.parse_args()
    try:
        settings = TokenSettings()
    except ValidationError as error:
        parser.error(f"token settings: {error}")
    if settings.token_mode != "local":
        parser.error("PEERLINK_TOKEN_MODE is oidc: tokens come from the identity provider")
    ttl = timedelta(hours=args.hours)
    if not timedelta(0) < ttl <= timedelta(seconds=settings.token_max_lifetime_seconds):
        parser.error(
            f"--hours must be above 0 and at most the {settings.token_max_lifetime_seconds} s "
            "maximum lifetime (PEERLINK_TOKEN_MAX_LIFETIME_SECONDS)"
        )
    try:
        token = issue_token(
            key=settings.signing_keys().signing,
            issuer=settings.token_issuer,
            audiences=[audience_of(service) for service in args.service or SERVICES],
            subject=args.subject,
            centre=args.centre,
            role=Role(args.role),
            now=datetime.now(UTC),
            ttl=ttl,
        )
    except InvalidToken as error:
        parser.error(str(error))
    print(token)
