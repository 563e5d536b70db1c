"""`peerlink-token`: issues a bearer token for local use (demo, tests, manual calls).

    peerlink-token --role coordinator --centre north-house --subject coord-1

The secret comes from PEERLINK_TOKEN_SECRET, as the services read it.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime, timedelta

from peerlink_shared.auth import Role, issue_token


def main() -> None:
    parser = argparse.ArgumentParser(prog="peerlink-token")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--centre", required=True, help="a centre id, or * for ops")
    parser.add_argument("--subject", required=True, help="who: a staff or person id")
    parser.add_argument("--hours", type=float, default=12.0)
    args = parser.parse_args()
    secret = os.environ.get("PEERLINK_TOKEN_SECRET")
    if not secret:
        parser.error("PEERLINK_TOKEN_SECRET is not set")
    print(
        issue_token(
            secret=secret,
            subject=args.subject,
            centre=args.centre,
            role=Role(args.role),
            now=datetime.now(UTC),
            ttl=timedelta(hours=args.hours),
        )
    )
