"""The subject access report as a plain, printable page. Autoescaped: every stored value is
text on the page, never markup, whatever it holds."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from peerlink_intake.service_layer.subject_access import SubjectAccessReport

# What each service is for, in a sentence the person can read.
ROLES = {
    "intake": "Records the centres you are linked to and the facts recorded about you.",
    "eligibility": "Decides, under each centre's policy, whether you qualify as a peer "
    "supporter, and why.",
    "scheduling": "Books supporters into group sessions and one-on-one meetings.",
    "notifications": "Tells the people involved about their sessions.",
}

_pages = Environment(
    loader=PackageLoader("peerlink_intake", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _shown(value: object) -> str:
    match value:
        case None | []:
            return "—"
        case bool():
            return "yes" if value else "no"
        case list():
            return ", ".join(str(item) for item in value)
        case _:
            return str(value)


_pages.filters["shown"] = _shown
_template = _pages.get_template("report.html")


def report_page(report: SubjectAccessReport) -> str:
    unavailable = [s.service for s in report.services if s.status == "unavailable"]
    return _template.render(report=report, roles=ROLES, unavailable=unavailable)
