"""Tiny inline-SVG charts for printable reports: no JavaScript, no external assets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

FONT = 'font-family="sans-serif" font-size="11"'


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    width: int = 560,
    height: int = 200,
    fmt: str | Callable[[float], str] = "{:,.0f}",
) -> str:
    """Vertical bars with value labels (`fmt`: a format string or the reader's number
    formatter); zero-safe."""
    show = fmt if callable(fmt) else fmt.format
    top, bottom, left = 24, 30, 10
    inner_h = height - top - bottom
    n = max(len(values), 1)
    slot = (width - 2 * left) / n
    peak = max([v for v in values if v > 0], default=1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" {FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = max(value, 0) / peak * inner_h
        x = left + i * slot + slot * 0.15
        y = top + inner_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            'fill="#3b7dd8"/>'
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" {FONT} text-anchor="middle">'
            f"{escape(show(value))}</text>"
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 12}" {FONT} text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def heatmap(
    rows: Sequence[str],
    matrix: Sequence[Sequence[float]],
    *,
    title: str,
    column_label: str = "months after first purchase",
    cell: int = 34,
) -> str:
    """Cohort retention: one row per cohort, one column per month since the first purchase,
    shaded by share (0-1) and labelled in percent."""
    cols = max((len(r) for r in matrix), default=0)
    # Room for the longest row label ("tháng 12/2025") at ~6 px a character.
    left, top = max(70, 6 * max((len(r) for r in rows), default=0) + 10), 36
    width = left + max(cols, 1) * cell + 10
    height = top + max(len(rows), 1) * cell + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="4" y="14" {FONT} font-weight="bold">{escape(title)}</text>',
        f'<text x="{left}" y="{height - 6}" {FONT}>{escape(column_label)}</text>',
    ]
    for j in range(cols):
        parts.append(
            f'<text x="{left + j * cell + cell / 2}" y="{top - 6}" {FONT} '
            f'text-anchor="middle">{j + 1}</text>'
        )
    for i, (label, values) in enumerate(zip(rows, matrix, strict=True)):
        y = top + i * cell
        parts.append(f'<text x="4" y="{y + cell / 2 + 4}" {FONT}>{escape(label)}</text>')
        for j, v in enumerate(values):
            shade = int(245 - min(max(v, 0.0), 1.0) * 4 * 180) if v < 0.25 else 65
            colour = f"rgb({shade},{min(shade + 40, 250)},250)"
            ink = "#fff" if shade < 140 else "#000"
            x = left + j * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}"/>'
                f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 3}" {FONT} '
                f'text-anchor="middle" fill="{ink}">{v * 100:.0f}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
