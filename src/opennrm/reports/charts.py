"""Charts for statistics pages and reports: accessible inline SVG for the web, PNG for PDFs.

Only the object-oriented matplotlib API is used (``Figure``), never pyplot: the server is
multi-threaded and pyplot keeps global figure state. Matplotlib's rcParams and font caches
are still process-wide, so rendering is serialised by one lock; a chart takes tens of
milliseconds, which is cheaper than the races.

A ``None`` value is a cell suppressed by statistical disclosure control. It is drawn as a
"×" at the baseline with its own legend entry, never as a silent zero: a reader must be
able to tell "none" from "not published".
"""

from __future__ import annotations

import io
import math
import re
import textwrap
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

__all__ = ["PALETTE", "Chart", "bar_chart", "line_chart", "progress_chart"]

# GOV.UK design system colours, ordered so neighbouring series stay distinguishable
# under the common colour-vision deficiencies (blue/orange first, red late).
PALETTE = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#505a5f", "#28a197")
TEXT = "#0b0c0c"
MUTED = "#505a5f"
TRACK = "#f3f2f1"
SUPPRESSED = TEXT

WRAP = 34  # characters per line of a category label beside horizontal bars
DESC_VALUES = 12  # a screen reader hears the first values; the table beside has the rest

_LOCK = threading.Lock()
_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: selectable, translatable, searchable
    "svg.hashsalt": "opennrm",  # stable ids before we prefix them per rendering
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib, covers ä/ö/å
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": MUTED,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "grid.color": "#b1b4b6",
    "grid.linewidth": 0.6,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}

Draw = Callable[[Figure], None]


def _no_drawing(fig: Figure) -> None:
    fig.add_subplot()


@dataclass(frozen=True)
class Chart:
    """A chart described by data, rendered on demand in the format the caller needs."""

    title: str
    description: str = ""
    draw: Draw = field(default=_no_drawing, repr=False, compare=False)
    size_in: tuple[float, float] = (8.0, 4.5)

    def _render(self, fmt: str, **kwargs: Any) -> bytes:
        buffer = io.BytesIO()
        with _LOCK, matplotlib.rc_context(_RC):
            fig = Figure(figsize=self.size_in, layout="constrained")
            self.draw(fig)
            fig.savefig(buffer, format=fmt, **kwargs)
        return buffer.getvalue()

    def svg(self) -> str:
        raw = self._render("svg", metadata={"Date": None, "Creator": None}).decode("utf-8")
        return _accessible_svg(raw, self.title, self.description or self.title)

    def png(self, dpi: int = 150) -> bytes:
        return self._render("png", dpi=dpi, metadata={"Software": None})


# --- SVG post-processing ---------------------------------------------------------------

_ID = re.compile(r'\bid="([^"]+)"')
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_STYLE_ELEMENT = re.compile(r"\s*<defs>\s*<style[^>]*>.*?</style>\s*</defs>", re.DOTALL)
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')


def _presentation(match: re.Match[str]) -> str:
    """`style="fill: #fff; stroke-width: 2"` → `fill="#fff" stroke-width="2"`.

    Pages are served with a Content-Security-Policy without 'unsafe-inline' styles, so
    a browser ignores style attributes and <style> elements in an inline SVG (and draws
    every shape black). Every property matplotlib writes is also an SVG presentation
    attribute, which the policy does not touch.
    """
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return "".join(f' {k.strip()}="{escape(v.strip())}"' for k, v in pairs)


def _accessible_svg(raw: str, title: str, description: str) -> str:
    """Make matplotlib's standalone SVG safe to inline several times in one HTML page.

    Ids are prefixed per rendering because matplotlib derives clip-path ids from content:
    two similar charts on one page would otherwise share ids and clip each other.
    """
    svg = _METADATA.sub("", raw[raw.index("<svg") :])
    svg = _STYLE_ATTR.sub(_presentation, _STYLE_ELEMENT.sub("", svg))
    prefix = f"c{uuid.uuid4().hex[:10]}-"
    for old in sorted(set(_ID.findall(svg)), key=len, reverse=True):
        new = prefix + old
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    opening = _SVG_OPEN.search(svg)
    if opening is None:  # pragma: no cover - matplotlib always writes one
        raise ValueError("matplotlib produced no <svg> element")
    tag = opening.group(0)
    tag = re.sub(r'\s(width|height)="[^"]*"', "", tag)
    title_id, desc_id = f"{prefix}title", f"{prefix}desc"
    tag = tag.replace(
        "<svg",
        f'<svg width="100%" role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}"'
        ' stroke-linejoin="round" stroke-linecap="butt"',
        1,
    )
    head = (
        f'{tag}<title id="{title_id}">{escape(title, quote=False)}</title>'
        f'<desc id="{desc_id}">{escape(description, quote=False)}</desc>'
    )
    return head + svg[opening.end() :]


# --- text helpers ----------------------------------------------------------------------


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _cell(value: float | None, suppressed_label: str, unit: str = "") -> str:
    if value is None:
        return suppressed_label
    if not unit:
        return _number(value)
    return f"{_number(value)}{unit}" if unit == "%" else f"{_number(value)} {unit}"


def _describe(
    title: str,
    value_label: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    suppressed_label: str,
) -> str:
    """State the data in words for screen readers: series, category: value, in order."""
    parts: list[str] = []
    budget = DESC_VALUES
    many = len(series) > 1
    for name, values in series.items():
        if budget <= 0:
            break
        shown = list(zip(categories, values, strict=False))[:budget]
        budget -= len(shown)
        items = "; ".join(f"{c}: {_cell(v, suppressed_label)}" for c, v in shown)
        if len(shown) < len(values):
            items += "; …"
        parts.append(f"{name} — {items}" if many else items)
    if budget <= 0 and len(parts) < len(series):
        parts.append("…")
    head = f"{title} ({value_label})" if value_label else title
    return f"{head}. {'. '.join(parts)}".strip()


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


def _is_count(series: Mapping[str, Sequence[float | None]]) -> bool:
    values = [v for vs in series.values() for v in vs if v is not None]
    return all(float(v).is_integer() for v in values)


def _check_lengths(n: int, series: Mapping[str, Sequence[float | None]]) -> None:
    for name, values in series.items():
        if len(values) != n:
            raise ValueError(f"series {name!r} has {len(values)} values for {n} categories")


def _suppressed_handle(label: str) -> Line2D:
    return Line2D([], [], color=SUPPRESSED, marker="x", linestyle="none", markersize=8, label=label)


def _frame(fig: Figure, ax: Axes, title: str, handles: list[Any]) -> None:
    """Title across the top (unless a page heading already says it), legend between it
    and the plot, both left-aligned."""
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    if not handles:
        return
    labels = [str(h.get_label()) for h in handles]
    ncols = len(labels) if sum(len(label) + 6 for label in labels) <= 80 else 2
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncols=max(1, min(ncols, len(labels))),
        frameon=False,
        borderaxespad=0.0,
        handlelength=1.5,
        columnspacing=1.5,
    )


def _value_axis(ax: Axes, *, horizontal: bool, integer: bool, label: str) -> None:
    axis = ax.xaxis if horizontal else ax.yaxis
    axis.set_major_locator(MaxNLocator(integer=integer, nbins="auto"))
    ax.grid(True, axis="x" if horizontal else "y")
    if label:
        (ax.set_xlabel if horizontal else ax.set_ylabel)(label)
    lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
    lo = min(lo, 0.0)
    hi = max(hi, 1.0)
    (ax.set_xlim if horizontal else ax.set_ylim)(lo, hi)


# --- bar chart -------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    value_label: str = "",
    horizontal: bool = False,
    stacked: bool = False,
    suppressed_label: str = "suppressed",
    description: str | None = None,
    show_title: bool = True,
) -> Chart:
    """Bars per category, grouped or stacked by series.

    Long or many category labels turn the chart horizontal (labels read left to right
    instead of rotated); short labels are wrapped under vertical bars.
    """
    categories = list(categories)
    series = {name: list(values) for name, values in series.items()}
    _check_lengths(len(categories), series)
    longest = max((len(c) for c in categories), default=0)
    horizontal = horizontal or longest > 30 or (len(categories) > 8 and longest > 10)
    integer = _is_count(series)
    any_suppressed = any(v is None for vs in series.values() for v in vs)
    n, k = len(categories), max(len(series), 1)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        positions = list(range(n))
        width = 0.8 if stacked else 0.8 / k
        bottoms = [0.0] * n
        handles: list[Any] = []
        marks: list[tuple[float, float]] = []
        for index, (name, values) in enumerate(series.items()):
            colour = PALETTE[index % len(PALETTE)]
            offset = 0.0 if stacked else (index - (k - 1) / 2) * width
            xs = [p + offset for p in positions]
            heights = [0.0 if v is None else float(v) for v in values]
            drawn = [i for i, v in enumerate(values) if v is not None]
            at = [xs[i] for i in drawn]
            size = [heights[i] for i in drawn]
            base = [bottoms[i] for i in drawn]
            if horizontal:
                container = ax.barh(at, size, height=width, left=base, color=colour, label=name)
            else:
                container = ax.bar(at, size, width=width, bottom=base, color=colour, label=name)
            if not stacked and n * k <= 24:
                ax.bar_label(
                    container,
                    labels=[_number(heights[i]) for i in drawn],
                    padding=2,
                    fontsize=9,
                    color=TEXT,
                )
            handles.append(container)
            marks.extend((xs[i], bottoms[i]) for i, v in enumerate(values) if v is None)
            if stacked:
                bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        if marks:
            along, level = zip(*marks, strict=True)
            point = (level, along) if horizontal else (along, level)
            ax.plot(
                *point,
                linestyle="none",
                marker="x",
                markersize=8,
                markeredgewidth=2,
                color=SUPPRESSED,
                clip_on=False,
                zorder=4,
            )
            handles.append(_suppressed_handle(suppressed_label))
        labels = [_wrap(c, WRAP if horizontal else max(8, 60 // max(n, 1))) for c in categories]
        pad = 12 if marks else 4  # keep the "×" at the baseline clear of the labels
        if horizontal:
            ax.set_yticks(positions, labels)
            ax.set_ylim(max(n, 1) - 0.5, -0.5)  # first category on top, as in the data table
            ax.tick_params(axis="y", length=0, pad=pad)
        else:
            widest = max((len(line) for lb in labels for line in lb.split("\n")), default=0)
            if n * (widest + 1) > 75:  # many short labels (years): slant rather than collide
                ax.set_xticks(positions, labels, rotation=45, ha="right", rotation_mode="anchor")
            else:
                ax.set_xticks(positions, labels)
            ax.set_xlim(-0.5, max(n, 1) - 0.5)
            ax.tick_params(axis="x", length=0, pad=pad)
        _value_axis(ax, horizontal=horizontal, integer=integer, label=value_label)
        _frame(fig, ax, title if show_title else "", handles if len(series) > 1 or marks else [])

    if horizontal:
        lines = max((_wrap(c, WRAP).count("\n") + 1 for c in categories), default=1)
        per_category = max(0.26 * (1 if stacked else k), 0.17 * lines + 0.1)
        size = (8.0, max(3.0, 1.4 + per_category * n))
    else:
        size = (8.0, 4.5)
    text = description or _describe(
        title, value_label, categories, series, suppressed_label if any_suppressed else ""
    )
    return Chart(title=title, description=text, draw=draw, size_in=size)


# --- line chart ------------------------------------------------------------------------


def line_chart(
    *,
    title: str,
    x: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    value_label: str = "",
    target: float | None = None,
    target_label: str = "target",
    suppressed_label: str = "suppressed",
    description: str | None = None,
    show_title: bool = True,
) -> Chart:
    """Lines over ordered categories (years, quarters); suppressed points break the line."""
    x = list(x)
    series = {name: list(values) for name, values in series.items()}
    _check_lengths(len(x), series)
    integer = _is_count(series) and (target is None or float(target).is_integer())
    n = len(x)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        positions = list(range(n))
        handles: list[Any] = []
        marks: list[tuple[float, float]] = []
        for index, (name, values) in enumerate(series.items()):
            colour = PALETTE[index % len(PALETTE)]
            ys = [math.nan if v is None else float(v) for v in values]
            (line,) = ax.plot(
                positions,
                ys,
                color=colour,
                linewidth=2.5,
                marker="o",
                markersize=5,
                label=name,
            )
            handles.append(line)
            marks.extend((p, 0.0) for p, v in zip(positions, values, strict=True) if v is None)
        if target is not None:
            handles.append(
                ax.axhline(target, color=TEXT, linestyle="--", linewidth=1.5, label=target_label)
            )
        if marks:
            along, level = zip(*marks, strict=True)
            ax.plot(
                along,
                level,
                linestyle="none",
                marker="x",
                markersize=8,
                markeredgewidth=2,
                color=SUPPRESSED,
                clip_on=False,
                zorder=4,
            )
            handles.append(_suppressed_handle(suppressed_label))
        rotate = sum(len(label) for label in x) > 70
        ax.set_xticks(
            positions, x, rotation=45 if rotate else 0, ha="right" if rotate else "center"
        )
        ax.set_xlim(-0.3, max(n, 1) - 0.7)
        _value_axis(ax, horizontal=False, integer=integer, label=value_label)
        legend = len(series) > 1 or target is not None or bool(marks)
        _frame(fig, ax, title if show_title else "", handles if legend else [])

    any_suppressed = any(v is None for vs in series.values() for v in vs)
    text = description or _describe(
        title, value_label, x, series, suppressed_label if any_suppressed else ""
    )
    if target is not None and description is None:
        text += f". {target_label}: {_number(target)}"
    return Chart(title=title, description=text, draw=draw)


# --- progress chart --------------------------------------------------------------------


def progress_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    targets: Sequence[float | None],
    unit: str = "%",
    target_label: str = "target",
    description: str | None = None,
    show_title: bool = True,
) -> Chart:
    """Horizontal bars of progress towards targets, one per action-plan indicator.

    The target is a black tick on a light track so "reached" is readable without colour;
    a reached target also turns the bar green.
    """
    labels, values, targets = list(labels), list(values), list(targets)
    if not len(labels) == len(values) == len(targets):
        raise ValueError("labels, values and targets must have the same length")
    n = len(labels)
    percent = unit == "%"
    integer = all(float(v).is_integer() for v in [*values, *(t for t in targets if t)])

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        positions = list(range(n))
        top = max([*values, *(t for t in targets if t is not None), 100.0 if percent else 1.0])
        tracks = [t if t is not None else top for t in targets]
        ax.barh(positions, tracks, height=0.6, color=TRACK, edgecolor="#b1b4b6", linewidth=0.6)
        colours = [
            PALETTE[2] if t is not None and v >= t else PALETTE[0]
            for v, t in zip(values, targets, strict=True)
        ]
        ax.barh(positions, values, height=0.6, color=colours)
        ticks = [(p, t) for p, t in zip(positions, targets, strict=True) if t is not None]
        for p, mark in ticks:
            ax.plot([mark, mark], [p - 0.42, p + 0.42], color=TEXT, linewidth=2.5, zorder=4)
        for p, v, t in zip(positions, values, targets, strict=True):
            text = _cell(v, "", unit)
            if t is not None:
                text += f" / {_cell(t, '', unit)}"
            ax.annotate(
                text,
                (max(v, t or 0.0), p),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=10,
                color=TEXT,
            )
        ax.set_yticks(positions, [_wrap(label, 34) for label in labels])
        ax.set_ylim(max(n, 1) - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=integer, nbins="auto"))
        ax.set_xlim(0, top * 1.18)  # room for the "value / target" text
        ax.grid(True, axis="x")
        ax.set_xlabel(unit)
        handles: list[Any] = []
        if ticks:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=TEXT,
                    marker="|",
                    linestyle="none",
                    markersize=12,
                    markeredgewidth=2.5,
                    label=target_label,
                )
            )
        _frame(fig, ax, title if show_title else "", handles)

    size = (8.0, max(2.6, 1.5 + 0.55 * n))
    if description is None:
        shown = [
            f"{label}: {_cell(v, '', unit)}"
            + ("" if t is None else f" ({target_label} {_cell(t, '', unit)})")
            for label, v, t in zip(labels, values, targets, strict=True)
        ][:DESC_VALUES]
        description = f"{title}. " + "; ".join(shown) + ("; …" if n > DESC_VALUES else "")
    return Chart(title=title, description=description, draw=draw, size_in=size)
