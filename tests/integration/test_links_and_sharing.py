"""Links and network sharing across intake and eligibility, on the real servers: one centre
cannot take over another's person; a referral the receiving centre accepts, or the person's
consent, links it; a centre open to the network sees only those who chose to be shared, and
only their standing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from peerlink_devtools.kafka_watch import read_all, wait_for_zero_lag
from peerlink_shared.contracts import (
    LINK_FACTS,
    AdmissionRecorded,
    DischargeRecorded,
    RelapseRecorded,
)
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from tests.integration.helpers import (
    as_event,
    clinic_topic,
    envelope_for,
    eventually,
    headers,
    intake_and_eligibility,
    publish,
    register_centres,
)
from tests.servers import Servers

HOME, OTHER, OPEN = "north", "bay", "quay"  # OPEN takes network graduates
TODAY = datetime.now(UTC).date()
Fact = tuple[str, dict[str, Any]]  # a route under the person at intake, and its body


@dataclass
class Services:
    intake: httpx.AsyncClient
    eligibility: httpx.AsyncClient
    group: str  # eligibility's consumer group


@pytest.fixture(scope="module")
async def services(servers: Servers, topics: Topics, run_id: str) -> AsyncIterator[Services]:
    async with intake_and_eligibility(
        servers, topics, run_id, names=("links", "links-eligibility")
    ) as (intake, eligibility):
        await register_centres(intake, HOME, OTHER, OPEN, caller=ops())
        opened = await eligibility.put(
            f"/centres/{OPEN}/policy",
            json={"accept_network_graduates": True},
            headers=coordinator(OPEN),
        )
        assert opened.status_code == 202, opened.text
        yield Services(intake, eligibility, f"{run_id}-links-eligibility")


def coordinator(centre: str) -> dict[str, str]:
    return headers(Role.COORDINATOR, centre, subject=f"coordinator-of-{centre}")


def ops() -> dict[str, str]:
    return headers(Role.OPS, "*", subject="ops-1", reason="checking the links tests")


async def post(
    services: Services,
    centre: str,
    person: str,
    path: str,
    body: dict[str, Any],
    *,
    caller: dict[str, str],
) -> httpx.Response:
    return await services.intake.post(
        f"/centres/{centre}/persons/{person}/{path}", json=body, headers=caller
    )


async def consent_to(services: Services, person: str, centre: str) -> dict[str, str]:
    """The person of HOME themself, through HOME, consents today to a link with `centre`;
    returns their own headers."""
    own = headers(Role.SUPPORTER, HOME, subject=person)
    consent = {"to_centre_id": centre, "consented_on": str(TODAY)}
    await recorded_at_home(services, person, ("link-consents", consent), caller=own)
    return own


async def share_with_network(
    services: Services, person: str, sharing: bool, *, caller: dict[str, str]
) -> None:
    """The person of HOME chooses today (through `caller`) to share with the network, or not."""
    choice = {"sharing": sharing, "changed_on": str(TODAY)}
    await recorded_at_home(services, person, ("network-sharing", choice), caller=caller)


async def recorded_at_home(
    services: Services, person: str, fact: Fact, *, caller: dict[str, str]
) -> None:
    """A fact about the person recorded at HOME by `caller`, which intake accepts (202)."""
    path, body = fact
    recorded = await post(services, HOME, person, path, body, caller=caller)
    assert recorded.status_code == 202, (path, recorded.text)


async def graduate(services: Services, *, craving: int = 2) -> str:
    """A person of HOME who qualifies there: admitted, completed, 500 days sober,
    volunteering, calm. Returns once HOME's decision says eligible."""
    person = await registered(
        services,
        [admitted(700), ended(600, "completed"), sober_for(500), volunteering(), calm(craving)],
    )
    await eventually(lambda: decision(services, HOME, person, eligible=True))
    return person


async def decision(
    services: Services, centre: str, person: str, *, eligible: bool | None = None
) -> dict[str, Any] | None:
    response = await services.eligibility.get(
        f"/centres/{centre}/persons/{person}/decision", headers=coordinator(centre)
    )
    found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
    if found is None or (eligible is not None and found["eligible"] is not eligible):
        return None
    return found


async def standing(services: Services, person: str) -> httpx.Response:
    return await services.eligibility.get(
        f"/centres/{OPEN}/persons/{person}/standing", headers=coordinator(OPEN)
    )


async def events_of(servers: Servers, topics: Topics, person: str) -> list[dict[str, Any]]:
    records = await read_all(servers.kafka, [topics.person_events], idle_seconds=0.5)
    return [e for r in records if r.key == person.encode() and (e := as_event(r.value))]


async def settled(services: Services, servers: Servers, topics: Topics, person: str) -> None:
    """Everything intake published about the person so far has been decided on: a last fact
    from HOME is on the topic, and eligibility has consumed the topic to its end."""
    sentinel = await post(
        services,
        HOME,
        person,
        "trainings",
        {"completed_on": str(TODAY), "expires_on": str(TODAY + timedelta(days=365))},
        caller=coordinator(HOME),
    )
    assert sentinel.status_code == 202
    event_id = sentinel.json()["event_id"]

    async def published() -> bool:
        return any(e["id"] == event_id for e in await events_of(servers, topics, person))

    await eventually(published)
    await wait_for_zero_lag(servers.kafka, {services.group: [topics.person_events]})


async def test_another_centre_cannot_take_over_a_person(
    services: Services, servers: Servers, topics: Topics
) -> None:
    person = await graduate(services)
    other = coordinator(OTHER)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("admissions", {"admitted_on": str(TODAY)}),
        ("relapses", {"relapsed_on": str(TODAY)}),
        ("discharges", {"discharged_on": str(TODAY)}),
        ("volunteering", {"volunteering": False, "changed_on": str(TODAY)}),
        ("network-sharing", {"sharing": True, "changed_on": str(TODAY)}),
        ("link-consents", {"to_centre_id": OTHER, "consented_on": str(TODAY)}),
        ("referrals", {"to_centre_id": OPEN, "referred_on": str(TODAY)}),
        ("referral-acceptances", {"referred_by_centre_id": HOME, "accepted_on": str(TODAY)}),
    ]
    for path, body in attempts:
        refused = await post(services, OTHER, person, path, body, caller=other)
        assert refused.status_code == 403, (path, refused.text)
        assert (
            "not linked" in refused.json()["detail"]
            or "no pending referral" in refused.json()["detail"]
        ), path
    # Nor through the clinic door: a clinic system's admission at OTHER is dead-lettered.
    admission = envelope_for(
        AdmissionRecorded(person_id=person, centre_id=OTHER, admitted_on=TODAY), subject=person
    )
    discharge = envelope_for(
        DischargeRecorded(person_id=person, centre_id=OTHER, discharged_on=TODAY), subject=person
    )
    # The clinic may act for OTHER: what stops it is that OTHER is not linked to the person.
    inbound = await clinic_topic(services.intake, servers, topics, "other-ehr", [OTHER])
    await publish(servers.kafka, inbound, admission, discharge)

    async def dead_lettered() -> dict[str, dict[str, str]] | None:
        records = await read_all(servers.kafka, [dead_letter_topic(inbound)], idle_seconds=0.5)
        wanted = {admission.id, discharge.id}
        found = {
            event["id"]: r.headers
            for r in records
            if (event := as_event(r.value)) and event["id"] in wanted
        }
        return found if len(found) == len(wanted) else None

    refusals = await eventually(dead_lettered)
    assert refusals[admission.id]["x-dlq-reason-code"] == "not_linked"
    # A discharge at OTHER is refused before that: the person was never at OTHER.
    assert refusals[discharge.id]["x-dlq-reason-code"] in {"not_linked", "sender_not_allowed"}
    assert all(person not in h["x-dlq-reason"] for h in refusals.values())

    await settled(services, servers, topics, person)
    types = [event["type"] for event in await events_of(servers, topics, person)]
    assert RelapseRecorded.event_type() not in types
    assert types.count(AdmissionRecorded.event_type()) == 1  # HOME's own
    assert await decision(services, HOME, person, eligible=True) is not None
    everywhere = await services.eligibility.get(f"/persons/{person}/decisions", headers=ops())
    assert {d["centre_id"] for d in everywhere.json()} == {HOME}
    links = await services.intake.get(f"/centres/{OTHER}/persons/{person}/links", headers=other)
    assert links.status_code == 403


async def test_a_referral_the_receiving_centre_accepts_links_it(
    services: Services, servers: Servers, topics: Topics
) -> None:
    person = await graduate(services)
    other = coordinator(OTHER)
    referral = await post(
        services,
        HOME,
        person,
        "referrals",
        {"to_centre_id": OTHER, "referred_on": str(TODAY)},
        caller=coordinator(HOME),
    )
    assert referral.status_code == 202, referral.text
    # A referral alone links nothing: OTHER must accept it first.
    early = await post(
        services, OTHER, person, "relapses", {"relapsed_on": str(TODAY)}, caller=other
    )
    assert early.status_code == 403
    pending = await services.intake.get(f"/centres/{OTHER}/referrals", headers=other)
    assert {
        "person_id": person,
        "centre_id": OTHER,
        "referred_by_centre_id": HOME,
        "referred_on": str(TODAY),
        "made_by": f"coordinator-of-{HOME}",
    } in pending.json()
    elsewhere = await services.intake.get(f"/centres/{OPEN}/referrals", headers=coordinator(OPEN))
    assert person not in {r["person_id"] for r in elsewhere.json()}

    wrong = await post(
        services,
        OTHER,
        person,
        "referral-acceptances",
        {"referred_by_centre_id": OPEN, "accepted_on": str(TODAY)},
        caller=other,
    )
    assert wrong.status_code == 403
    acceptance = {"referred_by_centre_id": HOME, "accepted_on": str(TODAY)}
    retry = {**other, "Idempotency-Key": "accept-1"}
    accepted = await post(services, OTHER, person, "referral-acceptances", acceptance, caller=retry)
    again = await post(services, OTHER, person, "referral-acceptances", acceptance, caller=retry)
    assert (accepted.status_code, again.status_code) == (202, 202), accepted.text
    assert (accepted.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    twice = await post(services, OTHER, person, "referral-acceptances", acceptance, caller=other)
    assert twice.status_code == 409

    for reader in (OTHER, HOME):
        links = await services.intake.get(
            f"/centres/{reader}/persons/{person}/links", headers=coordinator(reader)
        )
        assert links.status_code == 200
        assert links.json() == {
            "person_id": person,
            "links": [
                {
                    "centre_id": OTHER,
                    "basis": "referral",
                    "linked_on": str(TODAY),
                    "referred_by_centre_id": HOME,
                    "recorded_by": f"coordinator-of-{OTHER}",
                },
                {
                    "centre_id": HOME,
                    "basis": "home",
                    "linked_on": str(TODAY),
                    "referred_by_centre_id": None,
                    "recorded_by": f"coordinator-of-{HOME}",
                },
            ],
            "pending_referrals": [],
        }
    pending = await services.intake.get(f"/centres/{OTHER}/referrals", headers=other)
    assert person not in {r["person_id"] for r in pending.json()}

    # Linked now: OTHER records, and a relapse it records revokes everywhere.
    admitted = await post(
        services, OTHER, person, "admissions", {"admitted_on": str(TODAY)}, caller=other
    )
    assert admitted.status_code == 202
    relapse = await post(
        services, OTHER, person, "relapses", {"relapsed_on": str(TODAY)}, caller=other
    )
    assert relapse.status_code == 202
    revoked = await eventually(lambda: decision(services, HOME, person, eligible=False))
    assert "relapsed_since_sobriety_date" in revoked["reasons"]

    types = [event["type"] for event in await events_of(servers, topics, person)]
    assert types.index("peerlink.person.referral-made.v1") < types.index(
        "peerlink.person.referral-accepted.v1"
    )


async def test_the_persons_consent_links_a_centre(services: Services) -> None:
    person = await graduate(services)
    itself = await post(
        services,
        OTHER,
        person,
        "link-consents",
        {"to_centre_id": OTHER, "consented_on": str(TODAY)},
        caller=coordinator(OTHER),
    )
    assert itself.status_code == 403
    unknown = await post(
        services,
        HOME,
        person,
        "link-consents",
        {"to_centre_id": "nowhere", "consented_on": str(TODAY)},
        caller=coordinator(HOME),
    )
    assert unknown.status_code == 404
    # The person themself, through their home centre.
    own = await consent_to(services, person, OTHER)
    check_in = await post(
        services,
        OTHER,
        person,
        "craving-check-ins",
        {"level": 1, "checked_on": str(TODAY)},
        caller=coordinator(OTHER),
    )
    assert check_in.status_code == 202
    links = await services.intake.get(f"/centres/{OTHER}/persons/{person}/links", headers=own)
    assert links.status_code == 403  # the person's token is for HOME
    links = await services.intake.get(f"/centres/{HOME}/persons/{person}/links", headers=own)
    (link,) = [item for item in links.json()["links"] if item["centre_id"] == OTHER]
    assert (link["basis"], link["recorded_by"], link["linked_on"]) == (
        "consent",
        person,
        str(TODAY),
    )
    someone_else = await post(
        services,
        HOME,
        person,
        "link-consents",
        {"to_centre_id": OPEN, "consented_on": str(TODAY)},
        caller=headers(Role.SUPPORTER, HOME, subject="p-someone-else"),
    )
    assert someone_else.status_code == 403


async def test_a_withdrawn_consent_ends_the_link_everywhere(
    services: Services, servers: Servers, topics: Topics
) -> None:
    person = await graduate(services)
    own = headers(Role.SUPPORTER, HOME, subject=person)
    consent = {"to_centre_id": OPEN, "consented_on": str(TODAY)}
    await recorded_at_home(services, person, ("link-consents", consent), caller=own)
    # OPEN's own person now: its coordinators see the decision, and they qualify there.
    await eventually(lambda: decision(services, OPEN, person, eligible=True))
    check_in = {"level": 1, "checked_on": str(TODAY)}
    recorded = await post(
        services, OPEN, person, "craving-check-ins", check_in, caller=coordinator(OPEN)
    )
    assert recorded.status_code == 202, recorded.text

    withdrawal = {"from_centre_id": OPEN, "withdrawn_on": str(TODAY)}
    never = {"from_centre_id": OTHER, "withdrawn_on": str(TODAY)}
    not_linked = await post(
        services, OTHER, person, "link-consent-withdrawals", withdrawal, caller=coordinator(OTHER)
    )
    assert not_linked.status_code == 403, not_linked.text
    refused = await post(services, HOME, person, "link-consent-withdrawals", never, caller=own)
    assert refused.status_code == 409, refused.text
    assert "nothing to withdraw" in refused.json()["detail"]
    withdrawn = await post(
        services, HOME, person, "link-consent-withdrawals", withdrawal, caller=own
    )
    assert withdrawn.status_code == 202, withdrawn.text
    assert withdrawn.json()["event_type"] == "peerlink.person.link-consent-withdrawn.v1"
    twice = await post(services, HOME, person, "link-consent-withdrawals", withdrawal, caller=own)
    assert twice.status_code == 409, twice.text

    # OPEN may record nothing more, as for any centre not linked.
    after = await post(
        services, OPEN, person, "relapses", {"relapsed_on": str(TODAY)}, caller=coordinator(OPEN)
    )
    assert after.status_code == 403, after.text
    assert "not linked" in after.json()["detail"]
    links = await services.intake.get(f"/centres/{HOME}/persons/{person}/links", headers=own)
    assert [link["centre_id"] for link in links.json()["links"]] == [HOME]
    gone = await services.intake.get(
        f"/centres/{OPEN}/persons/{person}/links", headers=coordinator(OPEN)
    )
    assert gone.status_code == 403

    # Eligibility: no longer OPEN's own person; they do not share, so OPEN sees nothing.
    async def refused_there() -> bool:
        response = await services.eligibility.get(
            f"/centres/{OPEN}/persons/{person}/decision", headers=coordinator(OPEN)
        )
        return response.status_code == 403

    await eventually(refused_there)
    assert (await standing(services, person)).status_code == 404
    # The decision itself changed (what scheduling hears): not eligible there, for no reason
    # OPEN may read but that they do not share.
    ops_view = await services.eligibility.get(
        f"/centres/{OPEN}/persons/{person}/decision", headers=ops()
    )
    assert ops_view.status_code == 200, ops_view.text
    assert (ops_view.json()["eligible"], ops_view.json()["reasons"]) == (
        False,
        ["not_shared_with_network"],
    )
    types = [event["type"] for event in await events_of(servers, topics, person)]
    assert "peerlink.person.link-consent-withdrawn.v1" in types

    # A new consent must be dated after the withdrawal: one dated that day is refused.
    again = await post(services, HOME, person, "link-consents", consent, caller=own)
    assert again.status_code == 409, again.text


async def test_concurrent_link_changes_for_one_person_are_all_kept(
    services: Services,
) -> None:
    """Twenty link changes for one person at once (consents and referrals to twenty
    centres): each is its own inserted document, so none is lost on FerretDB."""
    centres = [f"conc-{n:02d}" for n in range(20)]
    await register_centres(services.intake, *centres, caller=ops())
    person = await registered(services, [])

    def change(n: int, centre: str) -> tuple[str, dict[str, Any]]:
        if n % 2:
            return "referrals", {"to_centre_id": centre, "referred_on": str(TODAY)}
        return "link-consents", {"to_centre_id": centre, "consented_on": str(TODAY)}

    answers = await asyncio.gather(
        *(
            post(services, HOME, person, *change(n, centre), caller=coordinator(HOME))
            for n, centre in enumerate(centres)
        )
    )
    assert [a.status_code for a in answers] == [202] * 20
    links = (
        await services.intake.get(
            f"/centres/{HOME}/persons/{person}/links", headers=coordinator(HOME)
        )
    ).json()
    assert sorted(link["centre_id"] for link in links["links"]) == sorted([HOME, *centres[::2]])
    pending = sorted(r["centre_id"] for r in links["pending_referrals"])
    assert pending == centres[1::2]

    # And twenty withdrawals and consents at once: the ten consents end, ten new links hold.
    withdrawals = [
        post(
            services,
            HOME,
            person,
            "link-consent-withdrawals",
            {"from_centre_id": centre, "withdrawn_on": str(TODAY)},
            caller=coordinator(HOME),
        )
        for centre in centres[::2]
    ]
    accepted = [
        post(
            services,
            centre,
            person,
            "referral-acceptances",
            {"referred_by_centre_id": HOME, "accepted_on": str(TODAY)},
            caller=coordinator(centre),
        )
        for centre in centres[1::2]
    ]
    answers = await asyncio.gather(*withdrawals, *accepted)
    assert [a.status_code for a in answers] == [202] * 20, [a.text for a in answers]
    links = (
        await services.intake.get(
            f"/centres/{HOME}/persons/{person}/links", headers=coordinator(HOME)
        )
    ).json()
    standing_links = {(link["centre_id"], link["basis"]) for link in links["links"]}
    assert standing_links == {(HOME, "home"), *((c, "referral") for c in centres[1::2])}
    assert links["pending_referrals"] == []


async def test_a_network_centre_sees_only_the_standing_of_those_who_share(
    services: Services, servers: Servers, topics: Topics
) -> None:
    private = await graduate(services)
    shared = await graduate(services)
    withdrawn = await graduate(services)
    for person in (shared, withdrawn):
        await share_with_network(
            services, person, True, caller=headers(Role.SUPPORTER, HOME, subject=person)
        )

    async def offered(person: str) -> dict[str, Any] | None:
        response = await standing(services, person)
        found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return found if found and found["standing"] == "eligible" else None

    seen = await eventually(lambda: offered(shared))
    assert seen == {
        "person_id": shared,
        "centre_id": OPEN,
        "standing": "eligible",
        "eligible_from": None,
    }
    await eventually(lambda: offered(withdrawn))
    # No reasons, and nothing at all of one who does not share.
    assert (
        await services.eligibility.get(
            f"/centres/{OPEN}/persons/{shared}/decision", headers=coordinator(OPEN)
        )
    ).status_code == 403
    assert (await standing(services, private)).status_code == 404
    assert (
        await services.eligibility.get(
            f"/centres/{OPEN}/persons/{private}/decision", headers=coordinator(OPEN)
        )
    ).status_code == 403
    assert (await standing(services, "p-nobody")).status_code == 404
    pool = await services.eligibility.get(
        f"/centres/{OPEN}/eligible-supporters", headers=coordinator(OPEN)
    )
    assert {shared, withdrawn} <= set(pool.json()["person_ids"])
    assert private not in pool.json()["person_ids"]
    # The pool with reasons lists a centre's own people only: never a network graduate.
    open_pool = await services.eligibility.get(
        f"/centres/{OPEN}/decisions", headers=coordinator(OPEN)
    )
    assert open_pool.status_code == 200
    assert not {shared, withdrawn, private} & {d["person_id"] for d in open_pool.json()}
    home_pool = await services.eligibility.get(
        f"/centres/{HOME}/decisions", headers=coordinator(HOME)
    )
    assert {shared, withdrawn, private} <= {d["person_id"] for d in home_pool.json()}

    # Revoking the choice removes them from the network.
    await share_with_network(services, withdrawn, False, caller=coordinator(HOME))

    async def gone() -> bool:
        return (await standing(services, withdrawn)).status_code == 404

    async def pool_without_them() -> list[str] | None:
        pool = await services.eligibility.get(
            f"/centres/{OPEN}/eligible-supporters", headers=coordinator(OPEN)
        )
        person_ids: list[str] = pool.json()["person_ids"]
        return person_ids if withdrawn not in person_ids else None

    # The standing follows the stored choice at once; the pool (stored decisions) once the
    # handler that stored it has decided again, a moment later.
    await eventually(gone)
    assert shared in await eventually(pool_without_them)

    # A relapse recorded at home: the network centre learns "not yet", never why.
    await post(
        services, HOME, shared, "relapses", {"relapsed_on": str(TODAY)}, caller=coordinator(HOME)
    )

    async def not_yet() -> dict[str, Any] | None:
        response = await standing(services, shared)
        found: dict[str, Any] = response.json()
        return found if found.get("standing") == "not_yet" else None

    assert (await eventually(not_yet))["eligible_from"] is None
    own = await eventually(lambda: decision(services, HOME, shared, eligible=False))
    assert own["reasons"] == ["relapsed_since_sobriety_date"]
    home_view = await services.eligibility.get(
        f"/centres/{HOME}/persons/{shared}/standing", headers=coordinator(HOME)
    )
    assert home_view.json()["standing"] == "not_yet"


async def test_stepping_the_craving_threshold_reveals_nothing(
    services: Services, servers: Servers, topics: Topics
) -> None:
    """A graduate who shares, with cravings at 3: whatever threshold the network centre
    sets, their standing there is the network standard's (eligible), and the job that
    re-decides everyone on each step changes no decision."""
    person = await graduate(services, craving=3)
    await share_with_network(services, person, True, caller=coordinator(HOME))

    async def eligible_there() -> bool:
        response = await standing(services, person)
        return response.status_code == 200 and response.json()["standing"] == "eligible"

    await eventually(eligible_there)
    await settled(services, servers, topics, person)
    for threshold in (2, 0, 10):
        current = await services.eligibility.get(
            f"/centres/{OPEN}/policy", headers=coordinator(OPEN)
        )
        step = await services.eligibility.put(
            f"/centres/{OPEN}/policy",
            json={
                "accept_network_graduates": True,
                "craving_threshold": threshold,
                "craving_max_age_days": 1,
                "expected_version": current.json()["version"],
            },
            headers=coordinator(OPEN),
        )
        assert step.status_code == 202, step.text
        job = await eventually(partial(finished, services, step.json()["job_id"]), timeout=60)
        assert job["changed"] == 0, threshold
        assert await eligible_there(), threshold


CANARY = "CANARY-Jane-Roe"


D = str(TODAY)
HOSTILE: list[tuple[str, str, dict[str, Any], str]] = [
    # case, route, body, the field the answer names
    ("an operator as a centre", "referrals", {"to_centre_id": "$gt", "referred_on": D},
     "to_centre_id"),
    ("a dotted centre", "link-consents", {"to_centre_id": "a.b", "consented_on": D},
     "to_centre_id"),
    ("a name as a centre", "referrals", {"to_centre_id": f"{CANARY} x", "referred_on": D},
     "to_centre_id"),
    ("a field nobody asked for", "referral-acceptances",
     {"referred_by_centre_id": HOME, "accepted_on": D, "note": CANARY}, "note"),
    ("a future date", "link-consents",
     {"to_centre_id": OTHER, "consented_on": str(TODAY + timedelta(days=3))}, "consented_on"),
    ("a consent that is text", "network-sharing", {"sharing": "yes", "changed_on": D},
     "sharing"),
    ("a consent as a number", "network-sharing", {"sharing": 1, "changed_on": D}, "sharing"),
    ("a withdrawal from an operator", "link-consent-withdrawals",
     {"from_centre_id": "$ne", "withdrawn_on": D}, "from_centre_id"),
    ("a withdrawal from a name", "link-consent-withdrawals",
     {"from_centre_id": f"{CANARY} x", "withdrawn_on": D}, "from_centre_id"),
    ("a withdrawal with a note", "link-consent-withdrawals",
     {"from_centre_id": OTHER, "withdrawn_on": D, "why": CANARY}, "why"),
    ("a withdrawal in the future", "link-consent-withdrawals",
     {"from_centre_id": OTHER, "withdrawn_on": str(TODAY + timedelta(days=3))}, "withdrawn_on"),
    ("a withdrawal dated by a number", "link-consent-withdrawals",
     {"from_centre_id": OTHER, "withdrawn_on": 86400}, "withdrawn_on"),
    ("a withdrawal naming no centre", "link-consent-withdrawals", {"withdrawn_on": D},
     "from_centre_id"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "path", "body", "field"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_hostile_link_requests_are_refused_and_name_the_field(
    services: Services, case: str, path: str, body: dict[str, Any], field: str
) -> None:
    person = (
        await services.intake.post(f"/centres/{HOME}/persons", headers=coordinator(HOME))
    ).json()["person_id"]
    response = await post(services, HOME, person, path, body, caller=coordinator(HOME))
    assert response.status_code == 422, (case, response.text)
    assert ["body", field] in [item["loc"] for item in response.json()["detail"]], case
    assert CANARY not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/centres/quay/referrals?limit=0",
        "/centres/quay/referrals?limit=501",
        "/centres/$gt/referrals",
    ],
)
async def test_the_referral_list_is_bounded(services: Services, path: str) -> None:
    response = await services.intake.get(path, headers=ops())
    assert response.status_code == 422, response.text


async def finished(services: Services, job_id: str) -> dict[str, Any] | None:
    job = await services.eligibility.get(f"/jobs/{job_id}", headers=coordinator(OPEN))
    return job.json() if job.status_code == 200 and job.json()["state"] == "done" else None


async def test_the_contracts_say_how_links_come_to_be(services: Services) -> None:
    intake = (await services.intake.get("/asyncapi.json")).json()
    sent = set(intake["channels"]["person-events"]["messages"])
    # Sealed on person-events (health facts under the person's key), as documented.
    assert {f"{model.__name__}Sealed" for model in LINK_FACTS} <= sent
    assert set(intake["channels"]["clinic-inbound"]["messages"]).isdisjoint(
        {name for model in LINK_FACTS for name in (model.__name__, f"{model.__name__}Sealed")}
    )
    eligibility = (await services.eligibility.get("/openapi.json")).json()
    standing_schema = eligibility["components"]["schemas"]["StandingOut"]
    assert set(standing_schema["properties"]) == {
        "person_id",
        "centre_id",
        "standing",
        "eligible_from",
    }
    route = eligibility["paths"]["/centres/{centre_id}/persons/{person_id}/standing"]["get"]
    assert route["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StandingOut"
    }


async def registered(services: Services, facts: list[Fact]) -> str:
    """A person of HOME with these facts recorded there."""
    response = await services.intake.post(f"/centres/{HOME}/persons", headers=coordinator(HOME))
    assert response.status_code == 201, response.text
    person: str = response.json()["person_id"]
    for fact in facts:
        await recorded_at_home(services, person, fact, caller=coordinator(HOME))
    return person


def sober_for(days: int) -> Fact:
    since = TODAY - timedelta(days=days)
    return (
        "sobriety-milestones",
        {"sober_since": str(since), "days": days, "recorded_on": str(TODAY)},
    )


def admitted(days_ago: int) -> Fact:
    return ("admissions", {"admitted_on": str(TODAY - timedelta(days=days_ago))})


def ended(days_ago: int, outcome: str) -> Fact:
    return (
        "programme-ends",
        {"ended_on": str(TODAY - timedelta(days=days_ago)), "outcome": outcome},
    )


def volunteering() -> Fact:
    return ("volunteering", {"volunteering": True, "changed_on": str(TODAY)})


def calm(level: int) -> Fact:
    """A craving check-in today at this level."""
    return ("craving-check-ins", {"level": level, "checked_on": str(TODAY)})


async def test_a_person_who_left_early_has_a_decision_with_its_reason(
    services: Services,
) -> None:
    person = await registered(services, [admitted(200), ended(100, "left_early"), sober_for(400)])

    async def told() -> dict[str, Any] | None:
        found = await decision(services, HOME, person, eligible=False)
        return found if found and "no_completed_programme" in found["reasons"] else None

    found = await eventually(told)
    assert found["eligible_from"] is None
    # Still a person of HOME only: no other centre decides for them.
    everywhere = await services.eligibility.get(f"/persons/{person}/decisions", headers=ops())
    assert {d["centre_id"] for d in everywhere.json()} == {HOME}


async def test_a_graduate_of_another_centre_linked_here_is_told_why_not_here(
    services: Services,
) -> None:
    person = await graduate(services)
    await consent_to(services, person, OTHER)
    admitted = await post(
        services,
        OTHER,
        person,
        "admissions",
        {"admitted_on": str(TODAY)},
        caller=coordinator(OTHER),
    )
    assert admitted.status_code == 202, admitted.text

    async def told() -> dict[str, Any] | None:
        return await decision(services, OTHER, person, eligible=False)

    found = await eventually(told)
    assert found["reasons"] == ["not_completed_at_this_centre"]
    assert await decision(services, HOME, person, eligible=True) is not None


async def test_each_time_based_reason_says_when_it_holds(services: Services) -> None:
    """Sober 300 days with a check-in today: day 365 comes after the check-in goes stale, so
    no day is promised, but the reason still says when it stops applying."""
    person = await registered(
        services, [admitted(700), ended(600, "completed"), sober_for(300), volunteering(), calm(1)]
    )

    async def told() -> dict[str, Any] | None:
        # The decision after the last fact: earlier ones also lack the check-in and the
        # volunteering (facts are decided on as they arrive).
        found = await decision(services, HOME, person, eligible=False)
        return found if found and found["reasons"] == ["sober_too_short"] else None

    found = await eventually(told)
    assert found["eligible_from"] is None
    assert found["holds_from"] == {"sober_too_short": str(TODAY + timedelta(days=65))}


async def preview(services: Services, centre: str, body: dict[str, Any]) -> httpx.Response:
    return await services.eligibility.post(
        f"/centres/{centre}/policy/preview", json=body, headers=coordinator(centre)
    )


async def test_the_what_if_names_own_people_counts_the_network_and_writes_nothing(
    services: Services, servers: Servers, topics: Topics
) -> None:
    person = await graduate(services)  # 500 days sober at HOME
    before = (
        await services.eligibility.get(f"/centres/{HOME}/policy", headers=coordinator(HOME))
    ).json()

    stricter = await preview(services, HOME, {"min_sober_days": 600})
    assert stricter.status_code == 200, stricter.text
    found = stricter.json()
    assert person in found["losing"]
    assert found["losing_count"] >= 1
    assert found["supporters_losing_eligibility"] >= found["losing_count"]
    assert found["current_version"] == before["version"]
    assert found["eligible_after"] < found["eligible_now"]
    # Nothing written: the policy and the decision stand.
    after = (
        await services.eligibility.get(f"/centres/{HOME}/policy", headers=coordinator(HOME))
    ).json()
    assert after == before
    assert await decision(services, HOME, person, eligible=True) is not None

    # Another centre's what-if never names HOME's people, however loose.
    loose = await preview(services, OTHER, {"min_sober_days": 0, "accept_network_graduates": True})
    assert loose.status_code == 200, loose.text
    assert person not in loose.json()["gaining"] + loose.json()["losing"]

    # A network graduate who shares: OPEN closing to the network would lose them, counted.
    await share_with_network(services, person, True, caller=coordinator(HOME))
    await eventually(lambda: standing_is(services, person, "eligible"))
    closing = await preview(services, OPEN, {"accept_network_graduates": False})
    assert closing.status_code == 200, closing.text
    assert closing.json()["network_losing"] >= 1
    assert person not in closing.json()["losing"]


async def standing_is(services: Services, person: str, wanted: str) -> bool | None:
    response = await standing(services, person)
    return True if response.status_code == 200 and response.json()["standing"] == wanted else None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_sober_days": "400"}, "min_sober_days"),  # strict: no coercion from a string
        ({"accept_network_graduates": "true"}, "accept_network_graduates"),
        ({"require_training": 1}, "require_training"),
        ({"min_sober_days": 400.5}, "min_sober_days"),
        ({"min_sober_days": 100000}, "min_sober_days"),
        ({"craving_threshold": -1}, "craving_threshold"),
        ({"centre_id": OTHER}, "centre_id"),  # extra fields are refused
        ({"version": 99}, "version"),
    ],
)
async def test_hostile_what_ifs_are_refused_and_name_the_field(
    services: Services, body: dict[str, Any], field: str
) -> None:
    refused = await preview(services, HOME, body)
    assert refused.status_code == 422, refused.text
    assert any(field in error["loc"] for error in refused.json()["detail"]), refused.text


async def test_a_what_if_on_a_stale_version_or_another_centre_is_refused(
    services: Services,
) -> None:
    current = (
        await services.eligibility.get(f"/centres/{HOME}/policy", headers=coordinator(HOME))
    ).json()
    stale = await preview(services, HOME, {"expected_version": current["version"] + 7})
    assert stale.status_code == 409
    fresh = await preview(services, HOME, {"expected_version": current["version"]})
    assert fresh.status_code == 200, fresh.text
    foreign = await services.eligibility.post(
        f"/centres/{HOME}/policy/preview", json={}, headers=coordinator(OTHER)
    )
    assert foreign.status_code == 403
    not_json = await services.eligibility.post(
        f"/centres/{HOME}/policy/preview",
        content=b"min_sober_days=1",
        headers={**coordinator(HOME), "content-type": "application/json"},
    )
    assert not_json.status_code == 422


async def test_the_what_if_says_sessions_are_not_eligibilitys_to_count(
    services: Services,
) -> None:
    schema = (await services.eligibility.get("/openapi.json")).json()
    field = schema["components"]["schemas"]["PolicyPreviewOut"]["properties"]
    assert "scheduling" in field["supporters_losing_eligibility"]["description"]
