"""Release notes as Markdown, generated from the scope, the checklist and the deployments."""

import markdown
import nh3

from .domain import versions
from .models import Feature


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _ticket(item) -> str:
    return f" ({item.ticket})" if item.ticket else ""


def release_notes_markdown(release, *, rollout: dict, deployments) -> str:
    """`release` with its scope and comms items prefetched; `rollout` from selectors.rollout_summary."""
    target = release.target_date
    lines = [
        f"# Release {release.version}",
        "",
        f"**Product:** {release.product} · **Type:** {versions.TYPE_LABELS[release.release_type]} · "
        f"**Target date:** {target:%B} {target.day}, {target.year}",
        "",
        f"**Services:** {', '.join(s.name for s in release.services.all()) or 'none'}",
        "",
        "## Features",
        "",
    ]
    features = [f for f in release.features.all() if f.status != Feature.Status.DROPPED]
    lines += [f"- {f.title}{_ticket(f)}" + ("" if f.status == "done" else f" — {f.get_status_display().lower()}")
              for f in features] or ["- None"]
    lines += ["", "## Bug fixes", ""]
    lines += [f"- **{b.priority}** {b.title}{_ticket(b)} — {b.get_status_display().lower()}"
              for b in release.bug_fixes.all()] or ["- None"]
    lines += ["", "## Dependencies", ""]
    lines += [f"- {d.get_kind_display()}: {d.description}" for d in release.dependencies.all()] or ["- None"]
    tickets = sorted({i.ticket for i in [*release.features.all(), *release.bug_fixes.all()] if i.ticket})
    lines += ["", "## Tickets", "", ", ".join(tickets) if tickets else "None", ""]
    lines += ["## Timeline", "", "| Milestone | Due | Done |", "| --- | --- | --- |"]
    for item in release.comms_items.all():
        done = f"{item.done_at:%Y-%m-%d %H:%M} UTC" if item.done and item.done_at else ("yes" if item.done else "open")
        lines.append(f"| {_cell(item.get_kind_display())} | {item.due_date:%Y-%m-%d} | {done} |")
    lines += ["", "## Deployment", "", f"- Strategy: {rollout['strategy']}", f"- Rollback plan: {rollout['rollback_plan']}",
              f"- Monitoring period: {rollout['monitoring_hours']} hours post-deploy"]
    if rollout["window_start"] and rollout["window_end"]:
        lines.append(f"- Window: {rollout['window_start']:%Y-%m-%d %H:%M} – {rollout['window_end']:%Y-%m-%d %H:%M} UTC")
    deployments = list(deployments)
    if deployments:
        lines += ["", "| Service | Environment | Version | Strategy | State | Finished |", "| --- | --- | --- | --- | --- | --- |"]
        for d in deployments:
            finished = f"{d.finished_at:%Y-%m-%d %H:%M}" if d.finished_at else "—"
            lines.append(f"| {_cell(d.service.name)} | {_cell(d.environment)} | {_cell(d.version)} | "
                         f"{d.get_strategy_display()} | {d.get_state_display()} | {finished} |")
    else:
        lines += ["", "No deployments recorded yet."]
    return "\n".join(lines) + "\n"


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML (nh3 strips anything but plain formatting)."""
    return nh3.clean(markdown.markdown(text, extensions=["tables"]))
