"""Charts as inline SVG, drawn by code: no image files, no library, nothing fetched.

Every piece of text that reaches an SVG (label names come from the results file) is
escaped here; the functions return :class:`markupsafe.Markup` so the templates insert
them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from .labels import LabelSet, display_name

TRACK = "#E9E9E4"
INK = "#1F1F1F"


def _n(value: float) -> str:
    """A coordinate with at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def nice_scale(largest: float, floor: float = 10.0) -> float:
    """The top of a rate axis: the largest rate rounded up to 1, 2 or 5 times a power of ten."""
    largest = max(largest, floor)
    power = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 2.5, 5, 10):
        if largest <= step * power:
            return min(step * power, 100.0) if largest <= 100 else step * power
    return largest


def _svg(width: float, height: float, label: str, body: str, css_class: str) -> Markup:
    return Markup(
        f'<svg class="{css_class}" viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" '
        f'height="{_n(height)}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>{body}</svg>')


def stance_segments(shares: dict[str, float], labels: LabelSet) -> list[tuple[str, float]]:
    """The stance shares in label order, the default stance last (it reads as the rest)."""
    order = list(labels.sides) + ([labels.default_stance] if labels.default_stance else [])
    order += [s for s in labels.stances if s not in order]
    return [(s, shares.get(s, 0.0)) for s in order]


def mini_stance_bar(shares: dict[str, float], labels: LabelSet, width: float = 132,
                    height: float = 12) -> Markup:
    """A small 100% bar of an article's stance shares (index table)."""
    segments = stance_segments(shares, labels)
    total = sum(v for _, v in segments) or 1.0
    x, rects = 0.0, []
    for label, value in segments:
        w = width * value / total
        if w <= 0:
            continue
        rects.append(f'<rect x="{_n(x)}" y="0" width="{_n(w)}" height="{_n(height)}" '
                     f'fill="{labels.colour(label)}"><title>{escape(display_name(label))} '
                     f'{_percent(value)}</title></rect>')
        x += w
    text = ", ".join(f"{display_name(s)} {_percent(v)}" for s, v in segments)
    return _svg(width, height, f"Stance shares: {text}", "".join(rects), "mini")


def mini_rate_bar(rate: float, scale: float, colour: str, label: str, width: float = 56,
                  height: float = 8) -> Markup:
    """A small bar of one technique rate against the report's common scale (index table)."""
    w = width * min(rate / scale, 1.0) if scale else 0.0
    body = (f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="{TRACK}"/>'
            f'<rect x="0" y="0" width="{_n(w)}" height="{_n(height)}" fill="{colour}"/>')
    return _svg(width, height, f"{display_name(label)}: {rate:.1f} per 100 sentences", body,
                "mini")


def stance_chart(shares: dict[str, float], labels: LabelSet, width: float = 420) -> Markup:
    """The stance shares of an article as one labelled 100% bar with a legend under it."""
    segments = stance_segments(shares, labels)
    total = sum(v for _, v in segments) or 1.0
    bar_y, bar_h = 4, 26
    x, parts = 0.0, []
    for label, value in segments:
        w = width * value / total
        if w <= 0:
            continue
        colour = labels.colour(label)
        parts.append(f'<rect x="{_n(x)}" y="{bar_y}" width="{_n(w)}" height="{bar_h}" '
                     f'fill="{colour}"><title>{escape(display_name(label))}: '
                     f'{_percent(value)} of the sentences</title></rect>')
        if w >= 40:
            ink = INK if label == labels.default_stance else "#FFFFFF"
            parts.append(f'<text x="{_n(x + w / 2)}" y="{bar_y + 18}" text-anchor="middle" '
                         f'font-size="13" font-weight="700" fill="{ink}">{_percent(value)}</text>')
        x += w
    # legend: one row per stance, so long names never collide
    y = bar_y + bar_h + 22
    for label, value in segments:
        parts.append(f'<rect x="0" y="{y - 10}" width="11" height="11" rx="2" '
                     f'fill="{labels.colour(label)}"/>'
                     f'<text x="18" y="{y}" font-size="13" fill="{INK}">'
                     f'{escape(display_name(label))}</text>'
                     f'<text x="{_n(width)}" y="{y}" font-size="13" text-anchor="end" '
                     f'fill="{INK}" class="num">{_percent(value)}</text>')
        y += 20
    text = ", ".join(f"{display_name(s)} {_percent(v)}" for s, v in segments)
    return _svg(width, y - 6, f"Stance of the sentences: {text}", "".join(parts), "chart")


def technique_chart(rates: dict[str, float], counts: dict[str, int], labels: LabelSet,
                    scale: float, width: float = 420) -> Markup:
    """Technique rates per 100 sentences as horizontal bars on the report's common scale,
    each with its name, rate and sentence count."""
    names: Sequence[str] = [t for t in labels.techniques if t in rates] or list(rates)
    parts, y = [], 0
    for name in names:
        rate = rates.get(name, 0.0)
        count = counts.get(name)
        value = f"{rate:.1f}" + (f"  ({count} sentence{'s' if count != 1 else ''})"
                               if count is not None else "")
        w = width * min(rate / scale, 1.0) if scale else 0.0
        parts.append(f'<text x="0" y="{y + 13}" font-size="13" fill="{INK}">'
                     f'{escape(display_name(name))}</text>'
                     f'<text x="{_n(width)}" y="{y + 13}" font-size="13" text-anchor="end" '
                     f'fill="{INK}" class="num">{escape(value)}</text>'
                     f'<rect x="0" y="{y + 19}" width="{_n(width)}" height="9" rx="2" '
                     f'fill="{TRACK}"/>'
                     f'<rect x="0" y="{y + 19}" width="{_n(w)}" height="9" rx="2" '
                     f'fill="{labels.colour(name)}"><title>{escape(display_name(name))}: '
                     f'{rate:.1f} per 100 sentences</title></rect>')
        y += 38
    parts.append(f'<text x="0" y="{y + 8}" font-size="11" fill="#666">0</text>'
                 f'<text x="{_n(width)}" y="{y + 8}" font-size="11" text-anchor="end" '
                 f'fill="#666">{scale:g} per 100 sentences</text>')
    text = ", ".join(f"{display_name(t)} {rates.get(t, 0.0):.1f}" for t in names)
    return _svg(width, y + 12, f"Techniques per 100 sentences: {text or 'none'}",
                "".join(parts), "chart")
