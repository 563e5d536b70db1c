"""A centre's qualification policy. The default is the field's rule."""

from __future__ import annotations

from dataclasses import dataclass, replace

# The network's standard for craving check-ins: the field's rule, and what a centre judges
# people not linked to it by.
NETWORK_CRAVING_THRESHOLD = 4
NETWORK_CRAVING_MAX_AGE_DAYS = 30


@dataclass(frozen=True)
class Policy:
    centre_id: str
    version: int = 0  # 0: the default, never changed by the centre
    accept_network_graduates: bool = False
    min_sober_days: int = 365
    cooling_off_days: int = 0
    craving_threshold: int = NETWORK_CRAVING_THRESHOLD
    craving_max_age_days: int = NETWORK_CRAVING_MAX_AGE_DAYS
    require_training: bool = False
    require_background_check: bool = False


def default_policy(centre_id: str) -> Policy:
    return Policy(centre_id=centre_id)


def for_network_graduates(policy: Policy) -> Policy:
    """The centre's policy as applied to someone not linked to it: its own requirements, but
    craving check-ins by the network's standard. A threshold the centre could step one
    notch at a time would otherwise tell it a stranger's craving level and check-in day."""
    return replace(
        policy,
        craving_threshold=NETWORK_CRAVING_THRESHOLD,
        craving_max_age_days=NETWORK_CRAVING_MAX_AGE_DAYS,
    )
