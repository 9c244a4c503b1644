"""Learning curves of the labelling-loop simulation as a picture: stance and technique
macro-F1 against labels added, one line per strategy.

With matplotlib installed the figure is a PNG; without it, an SVG drawn here (no
dependency). Files are written through a temporary file and a rename. Both show the same thing: two panels, the mean over the evaluation folds,
``suggest`` solid and ``random`` dashed, in colours of the Okabe-Ito palette (named in
the legend as well).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from stance.atomic import atomic_path, atomic_write_text

PANELS = (("stance_macro_f1", "stance macro-F1"), ("technique_macro_f1", "technique macro-F1"))
STYLE = {"suggest": ("#0072B2", "", "suggest (uncertain first)"),
         "random": ("#E69F00", "6 4", "random")}


def plot(curves: dict[str, list[dict]], path_without_suffix: Path, title: str) -> Path:
    """``curves``: strategy -> points (``labels_added`` and the two figures), in order.
    Writes ``<path>.png`` with matplotlib where installed, else ``<path>.svg``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        out = path_without_suffix.with_suffix(".svg")
        atomic_write_text(out, svg(curves, title))
        return out
    out = path_without_suffix.with_suffix(".png")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (key, label) in zip(axes, PANELS):
        for strategy, points in curves.items():
            colour, dash, name = STYLE.get(strategy, ("#000000", "", strategy))
            ax.plot([p["labels_added"] for p in points], [p[key] for p in points], marker="o",
                    color=colour, linestyle="--" if dash else "-", label=name)
        ax.set_xlabel("labels added")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return out


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def svg(curves: dict[str, list[dict]], title: str) -> str:
    """The figure as a self-contained SVG document."""
    width, height, panel_w, panel_h = 910, 360, 360, 240
    left, top = 70, 50
    xs = sorted({p["labels_added"] for points in curves.values() for p in points}) or [0]
    x_low, x_high = xs[0], max(xs[-1], xs[0] + 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>']
    for n, (key, label) in enumerate(PANELS):
        x0 = left + n * (panel_w + 70)
        values = [p[key] for points in curves.values() for p in points] or [0.0]
        y_low = max(0.0, min(values) - 0.02)
        y_high = min(1.0, max(values) + 0.02)
        if y_high - y_low < 0.05:
            y_high = min(1.0, y_low + 0.05)

        def px(x: float, x0: float = x0) -> float:
            return x0 + (x - x_low) / (x_high - x_low) * panel_w

        def py(y: float, y_low: float = y_low, y_high: float = y_high) -> float:
            return top + panel_h - (y - y_low) / (y_high - y_low) * panel_h

        parts.append(f'<rect x="{x0}" y="{top}" width="{panel_w}" height="{panel_h}" fill="none" '
                     'stroke="#999"/>')
        for y in _ticks(y_low, y_high):
            parts.append(f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
                         'stroke="#eee"/>')
            parts.append(f'<text x="{x0 - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.3f}</text>')
        for x in xs:
            parts.append(f'<text x="{px(x):.1f}" y="{top + panel_h + 16}" text-anchor="middle">{x}</text>')
        parts.append(f'<text x="{x0 + panel_w / 2}" y="{top + panel_h + 34}" '
                     'text-anchor="middle">labels added</text>')
        parts.append(f'<text x="{x0 - 52}" y="{top + panel_h / 2}" text-anchor="middle" '
                     f'transform="rotate(-90 {x0 - 52} {top + panel_h / 2})">{escape(label)}</text>')
        for strategy, points in curves.items():
            colour, dash, _ = STYLE.get(strategy, ("#000000", "", strategy))
            coords = " ".join(f"{px(p['labels_added']):.1f},{py(p[key]):.1f}" for p in points)
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                         f'stroke-width="2"{dashes}/>')
            for p in points:
                parts.append(f'<circle cx="{px(p["labels_added"]):.1f}" cy="{py(p[key]):.1f}" r="3" '
                             f'fill="{colour}"><title>{escape(strategy)}: {p[key]:.3f} at '
                             f'{p["labels_added"]} labels added</title></circle>')
    legend_y = height - 18
    for n, strategy in enumerate(curves):
        colour, dash, name = STYLE.get(strategy, ("#000000", "", strategy))
        x = left + n * 260
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x}" x2="{x + 30}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
                     f'stroke="{colour}" stroke-width="2"{dashes}/>')
        parts.append(f'<text x="{x + 38}" y="{legend_y}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
