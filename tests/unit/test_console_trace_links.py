"""Links from the console to a trace viewer: only when one is set, only for a real trace id."""

from __future__ import annotations

import datetime as dt

import pytest
from peerlink_console.answers import Assignment, Decision, Session
from peerlink_console.rendering import templates, trace_link
from peerlink_console.settings import ConsoleSettings
from pydantic import ValidationError

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
JAEGER = "http://jaeger:16686/trace/{trace_id}"


def decision(trace_id: str | None) -> Decision:
    return Decision(person_id="p-1", eligible=True, reasons=[], policy_version=0, trace_id=trace_id)


def test_a_decision_links_to_the_trace_that_wrote_it_when_a_viewer_is_set() -> None:
    html = (
        templates(trace_url=JAEGER)
        .get_template("_pool_rows.html")
        .render(decisions=[decision(TRACE)], csrf_token="t")
    )
    assert f'href="http://jaeger:16686/trace/{TRACE}"' in html
    assert "> of the decision about p-1</span>" in html


def test_no_viewer_or_no_trace_means_no_link() -> None:
    for trace_url, trace_id in ((None, TRACE), (JAEGER, None)):
        html = (
            templates(trace_url=trace_url)
            .get_template("_pool_rows.html")
            .render(decisions=[decision(trace_id)], csrf_token="t")
        )
        assert 'class="trace"' not in html


@pytest.mark.parametrize(
    "hostile",
    ['"><script>alert(1)</script>', "../../admin", TRACE.upper(), TRACE + "0", "javascript:x"],
)
def test_only_a_w3c_trace_id_goes_into_the_address(hostile: str) -> None:
    assert trace_link(JAEGER)(hostile) is None
    assert trace_link(JAEGER)(TRACE) == f"http://jaeger:16686/trace/{TRACE}"


def test_a_booking_links_to_its_trace() -> None:
    starts = dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC)
    session = Session.model_validate(
        {
            "session_id": "s-1",
            "kind": "group",
            "starts_at": starts,
            "duration_minutes": 90,
            "supporters_needed": 1,
            "assignments": [
                Assignment(
                    slot=0, supporter_id="p-2", starts_at=starts, why="free", trace_id=TRACE
                ).model_dump()
            ],
        }
    )
    html = (
        templates(trace_url=JAEGER)
        .get_template("_agenda.html")
        .render(days=[(starts.date(), [session])], timezone="UTC", csrf_token="t")
    )
    assert f'href="http://jaeger:16686/trace/{TRACE}"' in html


@pytest.mark.parametrize(
    "url", ["http://jaeger/trace/", "javascript:alert(1)//{trace_id}", "ftp://x/{trace_id}"]
)
def test_a_viewer_address_must_be_http_with_a_place_for_the_id(url: str) -> None:
    with pytest.raises(ValidationError):
        ConsoleSettings(trace_url=url)
