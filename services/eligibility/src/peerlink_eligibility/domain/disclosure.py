"""What a centre's coordinators may see of a person: the reasons of their own people, the
standing alone of a network graduate who chose to be shared, nothing of anyone else."""

from __future__ import annotations

from enum import StrEnum

from peerlink_eligibility.domain.facts import PersonFacts


class View(StrEnum):
    OWN = "own"  # linked to the centre: the decision and its reasons
    NETWORK = "network"  # shares with the network: eligible / not yet / from date
    NONE = "none"  # nothing, not even whether a decision exists


def view_of(facts: PersonFacts, centre_id: str) -> View:
    if centre_id in facts.linked_centres:
        return View.OWN
    if facts.shares_with_network:
        return View.NETWORK
    return View.NONE
