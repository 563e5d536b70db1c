"""A centre's qualification policy. The default is the field's rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    centre_id: str
    version: int = 0  # 0: the default, never changed by the centre
    accept_network_graduates: bool = False
    min_sober_days: int = 365
    cooling_off_days: int = 0
    craving_threshold: int = 4
    craving_max_age_days: int = 30
    require_training: bool = False
    require_background_check: bool = False


def default_policy(centre_id: str) -> Policy:
    return Policy(centre_id=centre_id)
