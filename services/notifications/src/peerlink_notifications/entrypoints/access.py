"""Who may read a person's notifications: the person themself, or ops."""

from __future__ import annotations

from fastapi import HTTPException, status
from peerlink_shared.auth import Principal, Role


def own_or_ops(caller: Principal, person_id: str) -> None:
    if not (
        caller.role is Role.OPS or (caller.role is Role.SUPPORTER and caller.subject == person_id)
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only the person themself (or ops) may do this"
        )
