"""The incident report (scripts/incident_report.py): one dict, rendered as Markdown or HTML.

`build_from_db(reference)` and `build_from_api(client, reference)` produce the same dict;
`to_markdown()` and `to_html()` render it. HTML is escaped, and Markdown of people (timeline,
post-mortem) goes through markdown + nh3.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from . import domain


class IncidentNotFound(Exception):
    pass


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _parse(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _assemble(*, incident: dict, timeline: list[dict], postmortem: dict | None) -> dict:
    """Common shape: `incident` holds the API fields of an incident (datetimes or ISO strings)."""
    t = {k: _parse(incident.get(k)) for k in ("impact_started_at", "impact_ended_at", "detected_at", "acknowledged_at", "resolved_at")}
    severity = incident["severity"]
    targets = domain.SEVERITY_TARGETS[severity]
    durations = domain.durations(
        impact_started_at=t["impact_started_at"], detected_at=t["detected_at"], acknowledged_at=t["acknowledged_at"],
        resolved_at=t["resolved_at"], impact_ended_at=t["impact_ended_at"],
    )

    def target(kind, done_at, breached):
        status = ("breached" if breached else "met") if done_at else ("breached" if breached else "pending")
        return {
            "target": domain.format_duration(getattr(targets, kind)),
            "due_at": _iso(_parse(incident.get(f"{kind}_due_at"))),
            "done_at": _iso(done_at),
            "status": status,
        }

    return {
        "reference": incident["reference"],
        "title": incident["title"],
        "summary": incident.get("summary") or "",
        "severity": severity,
        "state": incident["state"],
        "services": list(incident.get("services") or []),
        "commander": incident.get("commander"),
        "counts_against_sla": incident.get("counts_against_sla"),
        "caused_by_deployment": incident.get("caused_by_deployment"),
        "caused_by_change": incident.get("caused_by_change"),
        "times": {k: _iso(v) for k, v in t.items()},
        "targets": {
            "response": target("response", t["acknowledged_at"], incident.get("response_breached")),
            "resolution": target("resolution", t["resolved_at"], incident.get("resolution_breached")),
        },
        "next_update_due_at": _iso(_parse(incident.get("next_update_due_at"))),
        "postmortem_due_at": _iso(_parse(incident.get("postmortem_due_at"))),
        "durations": {k: (v.total_seconds() / 60 if v is not None else None) for k, v in durations.items()},
        "durations_text": {k: domain.format_duration(v) for k, v in durations.items()},
        "timeline": [
            {"at": _iso(_parse(e["at"])), "kind": e["kind"], "author": e.get("author"), "text": e["text"]} for e in timeline
        ],
        "postmortem": postmortem,
    }


def build_from_db(reference: str, *, at=None) -> dict:
    from .models import Incident, PostMortem
    from .selectors import incident_detail
    from .serializers import IncidentSerializer, PostMortemSerializer

    try:
        incident = incident_detail(reference)
    except Incident.DoesNotExist:
        raise IncidentNotFound(reference) from None
    data = IncidentSerializer(incident, context={"at": at}).data
    timeline = [
        {"at": e.at, "kind": e.kind, "author": e.author.username if e.author else None, "text": e.text} for e in incident.timeline.all()
    ]
    pm = PostMortem.objects.filter(incident=incident).prefetch_related("action_items__owner").first()
    return _assemble(incident=data, timeline=timeline, postmortem=PostMortemSerializer(pm).data if pm else None)


def build_from_api(client, reference: str, *, api_error: type[Exception]) -> dict:
    """`client` is scripts/_common.ApiClient; `api_error` its ApiError (with `.status`)."""

    def get(path, params=None):
        try:
            return client.get(path, params=params)
        except api_error as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise

    incident = get(f"incidents/{reference}/")
    if incident is None:
        raise IncidentNotFound(reference)
    timeline, page = [], 1
    while True:
        body = get(f"incidents/{reference}/timeline/", {"page": page, "page_size": 500}) or {}
        timeline.extend(body.get("results", []))
        if not body.get("next"):
            break
        page += 1
    postmortem = get(f"incidents/{reference}/postmortem/")
    return _assemble(incident=incident, timeline=timeline, postmortem=postmortem)


KIND_LABEL = {"note": "Note", "status_update": "Status update", "action": "Action", "decision": "Decision"}
TIME_LABELS = [
    ("impact_started_at", "Impact started"),
    ("detected_at", "Detected"),
    ("acknowledged_at", "Acknowledged (triaged)"),
    ("resolved_at", "Resolved"),
    ("impact_ended_at", "Impact ended"),
]
DURATION_LABELS = [
    ("time_to_detect", "Time to detect"),
    ("time_to_acknowledge", "Time to acknowledge"),
    ("time_to_resolve", "Time to resolve"),
    ("impact_duration", "Impact duration"),
]
PM_SECTIONS = [(n, label.capitalize()) for n, label in domain.POSTMORTEM_SECTIONS]


def _when(value):
    if not value:
        return "—"
    return _parse(value).strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def _target_line(name, t):
    due = _when(t["due_at"])
    return f"{name}: target {t['target']}, due {due} — **{t['status']}**"


def to_markdown(r: dict) -> str:
    lines = [f"# {r['reference']}: {r['title']}", ""]
    lines += [
        f"- **Severity:** {r['severity']}",
        f"- **Services:** {', '.join(r['services']) or '—'}",
        f"- **Commander:** {r['commander'] or '—'}",
        f"- **State:** {r['state']}",
    ]
    if r.get("caused_by_change"):
        lines.append(f"- **Caused by change:** {r['caused_by_change']}")
    if r.get("caused_by_deployment"):
        lines.append(f"- **Caused by deployment:** #{r['caused_by_deployment']}")
    if r["summary"]:
        lines += ["", r["summary"]]
    lines += ["", "## Key times", "", "| Event | Time (UTC) |", "| --- | --- |"]
    lines += [f"| {label} | {_when(r['times'][key])} |" for key, label in TIME_LABELS]
    lines += ["", "## Targets", "", f"- {_target_line('Response', r['targets']['response'])}",
              f"- {_target_line('Resolution', r['targets']['resolution'])}"]
    if r.get("postmortem_due_at"):
        lines.append(f"- Post-mortem due {_when(r['postmortem_due_at'])}")
    lines += ["", "## Durations", ""]
    lines += [f"- {label}: {r['durations_text'][key]}" for key, label in DURATION_LABELS]
    lines += ["", "## Timeline", ""]
    if not r["timeline"]:
        lines.append("Nothing logged.")
    for e in r["timeline"]:
        text = e["text"].replace("\n", "\n  ")
        lines.append(f"- **{_when(e['at'])}** {KIND_LABEL.get(e['kind'], e['kind'])} ({e['author'] or 'system'}): {text}")
    lines += ["", "## Post-mortem", ""]
    pm = r["postmortem"]
    if not pm:
        lines.append("Not required." if not domain.postmortem_required(r["severity"]) else "Not written yet.")
    else:
        lines.append(f"Status: {'complete (' + _when(pm['completed_at']) + ')' if pm.get('completed_at') else 'draft'}")
        for key, label in PM_SECTIONS:
            lines += ["", f"### {label}", "", pm.get(key) or "—"]
        lines += ["", "### Action items", ""]
        items = pm.get("action_items") or []
        if not items:
            lines.append("None.")
        else:
            lines += ["| Action | Owner | Due | Status |", "| --- | --- | --- | --- |"]
            for item in items:
                title = item["title"].replace("|", "\\|")
                lines.append(f"| {title} | {item['owner']} | {item['due_date']} | {item['status']} |")
    return "\n".join(lines) + "\n"


def to_html(r: dict) -> str:
    from .markdown import render_markdown

    e = escape
    out = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(r['reference'])}: {e(r['title'])}</title></head><body>",
        f"<h1>{e(r['reference'])}: {e(r['title'])}</h1>",
        "<dl>",
        f"<dt>Severity</dt><dd>{e(r['severity'])}</dd>",
        f"<dt>Services</dt><dd>{e(', '.join(r['services']) or '—')}</dd>",
        f"<dt>Commander</dt><dd>{e(r['commander'] or '—')}</dd>",
        f"<dt>State</dt><dd>{e(r['state'])}</dd>",
        "</dl>",
    ]
    if r["summary"]:
        out.append(f"<section>{render_markdown(r['summary'])}</section>")
    out += ["<h2>Key times</h2>", "<table><thead><tr><th>Event</th><th>Time (UTC)</th></tr></thead><tbody>"]
    out += [f"<tr><td>{e(label)}</td><td>{e(_when(r['times'][key]))}</td></tr>" for key, label in TIME_LABELS]
    out += ["</tbody></table>", "<h2>Targets</h2>", "<ul>"]
    for name in ("response", "resolution"):
        t = r["targets"][name]
        out.append(
            f"<li>{name.capitalize()}: target {e(t['target'])}, due {e(_when(t['due_at']))} — <strong>{e(t['status'])}</strong></li>"
        )
    if r.get("postmortem_due_at"):
        out.append(f"<li>Post-mortem due {e(_when(r['postmortem_due_at']))}</li>")
    out += ["</ul>", "<h2>Durations</h2>", "<ul>"]
    out += [f"<li>{e(label)}: {e(r['durations_text'][key])}</li>" for key, label in DURATION_LABELS]
    out += ["</ul>", "<h2>Timeline</h2>", "<ol>"]
    for entry in r["timeline"]:
        out.append(
            f"<li><strong>{e(_when(entry['at']))}</strong> {e(KIND_LABEL.get(entry['kind'], entry['kind']))} "
            f"({e(entry['author'] or 'system')}){render_markdown(entry['text'])}</li>"
        )
    out += ["</ol>", "<h2>Post-mortem</h2>"]
    pm = r["postmortem"]
    if not pm:
        out.append("<p>" + ("Not required." if not domain.postmortem_required(r["severity"]) else "Not written yet.") + "</p>")
    else:
        status = f"complete ({_when(pm['completed_at'])})" if pm.get("completed_at") else "draft"
        out.append(f"<p>Status: {e(status)}</p>")
        for key, label in PM_SECTIONS:
            out.append(f"<h3>{e(label)}</h3>{render_markdown(pm.get(key) or '—')}")
        out.append("<h3>Action items</h3>")
        items = pm.get("action_items") or []
        if not items:
            out.append("<p>None.</p>")
        else:
            out.append("<table><thead><tr><th>Action</th><th>Owner</th><th>Due</th><th>Status</th></tr></thead><tbody>")
            out += [
                f"<tr><td>{e(i['title'])}</td><td>{e(str(i['owner']))}</td><td>{e(str(i['due_date']))}</td><td>{e(i['status'])}</td></tr>"
                for i in items
            ]
            out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
