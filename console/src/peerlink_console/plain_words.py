"""What the services' codes mean, in the words a coordinator uses."""

from __future__ import annotations

from datetime import date

REASONS = {
    "no_completed_programme": "has not completed a programme",
    "not_completed_at_this_centre": (
        "completed a programme elsewhere (this centre asks for its own)"
    ),
    "no_sobriety_date": "no sobriety date recorded",
    "relapsed_since_sobriety_date": "relapsed since their sobriety date",
    "sober_too_short": "not sober long enough yet",
    "no_craving_check_in": "no craving check-in yet",
    "craving_check_in_stale": "last craving check-in is too old",
    "craving_above_threshold": "cravings above this centre's threshold",
    "not_volunteering": "has not volunteered (or withdrew)",
    "in_cooling_off_period": "in the cooling-off period after discharge",
    "training_missing": "training not recorded",
    "training_expired": "training has expired",
    "background_check_missing": "background check not recorded",
    "background_check_expired": "background check has expired",
    "not_shared_with_network": "not offered across the network",
    "undisclosed": "not eligible yet (their own centre knows why)",
}

UNFILLED = {
    "no_eligible_supporters": "not enough eligible supporters at this centre",
    "no_free_supporters": "the other eligible supporters are busy or away then",
}

POLICY_FIELDS = {
    "min_sober_days": "Days sober at least",
    "cooling_off_days": "Cooling-off days after discharge",
    "craving_threshold": "Highest craving level allowed (0-10)",
    "craving_max_age_days": "Craving check-in at most this many days old",
    "accept_network_graduates": "Accept graduates of other centres",
    "require_training": "Require training",
    "require_background_check": "Require a background check",
}


def reason_text(code: str) -> str:
    """An unknown code is shown as it is (a newer service may know more reasons)."""
    return REASONS.get(code, code.replace("_", " "))


def holds_text(code: str, day: date) -> str:
    return f"{reason_text(code)}: holds from {day:%d %b %Y}"
