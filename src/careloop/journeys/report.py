"""The simulator's tables: per journey, per step, what would happen."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich.console import Console
from rich.table import Table

from careloop.journeys.simulate import JourneyPreview, SimulationReport

MESSAGE_OUTCOMES = ("sent", "deferred", "suppressed")


def step_rows(report: SimulationReport, preview: JourneyPreview) -> list[tuple[str, ...]]:
    """(step, would send, deferred, suppressed, channels, other) per step, in step order."""
    by_step: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for (key, step, outcome, detail), n in report.outcomes.items():
        if key == preview.key:
            by_step[step][outcome][detail] += n
    rows: list[tuple[str, ...]] = []
    for step in preview.steps:
        seen = by_step.get(step, {})
        sent = seen.get("sent", Counter())
        other = {o: c for o, c in seen.items() if o not in MESSAGE_OUTCOMES}
        rows.append(
            (
                step,
                str(sum(sent.values())),
                _by_reason(seen.get("deferred", Counter())),
                _by_reason(seen.get("suppressed", Counter())),
                ", ".join(f"{ch} {n}" for ch, n in sent.most_common()),
                ", ".join(f"{o} {sum(c.values())}" for o, c in sorted(other.items())),
            )
        )
    return rows


def _by_reason(counts: Counter[str]) -> str:
    if not counts:
        return "0"
    total = sum(counts.values())
    return f"{total} (" + ", ".join(f"{r} {n}" for r, n in counts.most_common()) + ")"


def rate_lines(report: SimulationReport) -> list[str]:
    """What the dry run assumed about opens and clicks, one line per channel."""
    if not report.rates:
        return []
    return ["Assumed engagement (a wait for an open or a click follows these rates):"] + [
        f"  {rates.describe()}" for _, rates in sorted(report.rates.items())
    ]


def print_report(report: SimulationReport, console: Console) -> None:
    console.print(
        f"Simulated {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}: "
        f"{report.events_replayed} events replayed, {report.steps_run} steps run; nothing was sent."
    )
    for line in rate_lines(report):
        console.print(line, highlight=False)
    for preview in report.journeys:
        enrolled = ", ".join(f"{s} {n}" for s, n in sorted(preview.enrollments.items())) or "none"
        table = Table(
            "step",
            "would send",
            "deferred",
            "suppressed",
            "channels",
            "other",
            title=f"{preview.key} v{preview.version} ({preview.status}) - enrollments: {enrolled}",
            title_justify="left",
        )
        for row in step_rows(report, preview):
            table.add_row(*row)
        console.print(table)
