from __future__ import annotations

from peerlink_shared.settings import ServiceSettings
from pydantic import Field


class EligibilitySettings(ServiceSettings):
    mongo_database: str = "peerlink_eligibility"
    consumer_group: str = "peerlink-eligibility"
    token_audience: str = "peerlink-eligibility"
    http_port: int = 8102
    review_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often decisions due for a clock review are checked."
    )
    preview_facts_max_age_seconds: float = Field(
        default=30.0,
        ge=0,
        le=30,
        description="How long a policy what-if may reuse the facts it read (facts this replica "
        "consumes meanwhile are applied at once); 0 reads them for every preview.",
    )
