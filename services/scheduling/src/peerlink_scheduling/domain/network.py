"""The network's geography as matching sees it: centres grouped in regions, the time it takes
to travel between them, and how far a supporter is from a session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

Distance = Literal["same centre", "same region", "another region"]
DISTANCE_RANK: Mapping[Distance, int] = {"same centre": 0, "same region": 1, "another region": 2}


@dataclass(frozen=True)
class Network:
    regions: Mapping[str, str] = field(default_factory=dict)  # centre → region
    same_region_buffer: timedelta = timedelta(minutes=30)
    other_region_buffer: timedelta = timedelta(minutes=90)

    def distance(self, from_centre: str, to_centre: str) -> Distance:
        if from_centre == to_centre:
            return "same centre"
        region = self.regions.get(from_centre)
        if region is not None and region == self.regions.get(to_centre):
            return "same region"
        # An unknown centre is taken as far away: the buffer errs on the safe side.
        return "another region"

    def buffer(self, from_centre: str, to_centre: str) -> timedelta:
        """The gap a supporter needs between sessions at these two centres."""
        distance = self.distance(from_centre, to_centre)
        if distance == "same centre":
            return timedelta(0)
        if distance == "same region":
            return self.same_region_buffer
        return self.other_region_buffer

    def nearest(self, homes: Iterable[str], centre_id: str) -> Distance:
        """How far the closest of a supporter's home centres is; far when none is known."""
        distances = [self.distance(home, centre_id) for home in homes]
        return min(distances, key=DISTANCE_RANK.__getitem__, default="another region")

    @property
    def longest_buffer(self) -> timedelta:
        return max(self.same_region_buffer, self.other_region_buffer)
