"""Sealed payloads: ids readable, health facts not; nothing opens with the wrong key, moved
to another event, or altered."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from peerlink_shared.contracts import (
    PAYLOADS,
    CentreRegistered,
    CravingCheckInRecorded,
    EligibilityChanged,
    PersonFact,
)
from peerlink_shared.keys.ring import new_data_key
from peerlink_shared.messaging.envelope import Envelope, make_envelope, new_event_id
from peerlink_shared.messaging.parsing import parse_envelope
from peerlink_shared.messaging.sealing import (
    SealBroken,
    is_sealed_type,
    open_sealed,
    readable_fields,
    seal,
)

KEY = new_data_key()


def check_in(level: int = 7) -> Envelope:
    payload = CravingCheckInRecorded(person_id="p-1", level=level, checked_on="2026-01-02")
    return envelope_of(payload.model_dump(mode="json"), CravingCheckInRecorded.event_type())


def envelope_of(data: dict[str, object], event_type: str) -> Envelope:
    event_id = new_event_id()
    return make_envelope(
        event_id=event_id,
        source="/intake",
        event_type=event_type,
        subject="p-1",
        time=datetime(2026, 3, 4, tzinfo=UTC),
        data=data,  # type: ignore[arg-type]
        correlation_id=event_id,
    )


def test_every_person_fact_and_eligibility_change_is_sealed_and_nothing_else() -> None:
    sealed = {model for model in PAYLOADS if is_sealed_type(model.event_type())}
    expected = {m for m in PAYLOADS if issubclass(m, PersonFact)} | {EligibilityChanged}
    assert sealed == expected
    assert not is_sealed_type(CentreRegistered.event_type())
    assert not is_sealed_type("peerlink.unknown.v1")
    for model in sealed:
        assert "person_id" in readable_fields(model)


def test_ids_stay_readable_and_the_health_facts_do_not_show_on_the_wire() -> None:
    original = check_in(level=9)
    sealed = seal(original, KEY)
    assert sealed.personkeyid == KEY.key_id
    assert set(sealed.data) == {"person_id", "sealed"}
    wire = sealed.model_dump_json()
    assert "level" not in wire and "checked_on" not in wire and "2026-01-02" not in wire
    # Still a valid envelope for every reader, dead-letter tooling included.
    parsed = parse_envelope(wire.encode())
    assert isinstance(parsed, Envelope) and parsed.personkeyid == KEY.key_id
    assert open_sealed(parsed, KEY).data == original.data
    assert open_sealed(parsed, KEY).personkeyid is None


def test_eligibility_reasons_are_sealed_and_both_ids_stay_readable() -> None:
    change = EligibilityChanged(
        person_id="p-1",
        centre_id="north",
        eligible=False,
        reasons=("relapsed",),
        decided_on="2026-01-02",
    )
    sealed = seal(envelope_of(change.model_dump(mode="json"), change.event_type()), KEY)
    assert set(sealed.data) == {"person_id", "centre_id", "sealed"}
    assert "relapsed" not in sealed.model_dump_json()


def test_the_wrong_key_does_not_open() -> None:
    sealed = seal(check_in(), KEY)
    other = new_data_key()
    with pytest.raises(SealBroken, match="not the person's key"):
        open_sealed(sealed, other)
    same_id = type(other)(key_id=KEY.key_id, secret=other.secret)
    with pytest.raises(SealBroken, match="failed authentication"):
        open_sealed(sealed, same_id)


def test_a_flipped_bit_fails_authentication() -> None:
    sealed = seal(check_in(), KEY)
    raw = bytearray(base64.b64decode(str(sealed.data["sealed"])))
    raw[-1] ^= 1  # the tag
    tampered = sealed.model_copy(
        update={"data": {**sealed.data, "sealed": base64.b64encode(bytes(raw)).decode()}}
    )
    with pytest.raises(SealBroken, match="failed authentication"):
        open_sealed(tampered, KEY)


@pytest.mark.parametrize(
    "change",
    [
        {"id": "another-event"},
        {"type": "peerlink.person.relapse-recorded.v1"},
    ],
)
def test_a_seal_moved_to_another_event_does_not_open(change: dict[str, str]) -> None:
    moved = seal(check_in(), KEY).model_copy(update=change)
    with pytest.raises(SealBroken, match="failed authentication"):
        open_sealed(moved, KEY)


def test_a_changed_readable_id_does_not_open() -> None:
    sealed = seal(check_in(), KEY)
    moved = sealed.model_copy(update={"data": {**sealed.data, "person_id": "p-2"}})
    with pytest.raises(SealBroken, match="failed authentication"):
        open_sealed(moved, KEY)


@pytest.mark.parametrize("value", [None, 7, "not base64!", "", base64.b64encode(b"x").decode()])
def test_a_malformed_seal_is_refused_without_quoting_it(value: object) -> None:
    sealed = seal(check_in(), KEY)
    data = {k: v for k, v in sealed.data.items() if k != "sealed"}
    if value is not None:
        data["sealed"] = value  # type: ignore[assignment]
    with pytest.raises(SealBroken) as broken:
        open_sealed(sealed.model_copy(update={"data": data}), KEY)
    if isinstance(value, str) and value:
        assert value not in str(broken.value)


def test_sealing_twice_gives_different_bytes_that_open_alike() -> None:
    original = check_in()
    first, second = seal(original, KEY), seal(original, KEY)
    assert first.data["sealed"] != second.data["sealed"]  # a fresh nonce each time
    assert open_sealed(first, KEY).data == open_sealed(second, KEY).data == original.data
    assert json.loads(first.model_dump_json())["personkeyid"] == KEY.key_id
