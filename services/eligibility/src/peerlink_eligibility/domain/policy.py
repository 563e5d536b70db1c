"""A centre's qualification policy. The default is the field's rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    centre_id: str
    version: int = 1
    min_sober_days: int = 365
    accept_network_graduates: bool = False


def default_policy(centre_id: str) -> Policy:
    return Policy(centre_id=centre_id)
