"""The report's plots, drawn with matplotlib as inline SVG (no files, no web fonts, no CDN)."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

plt.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "interview-assist", "font.size": 9})


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    # Inline in HTML: drop the XML prolog, the DTD reference and the metadata block.
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)


def confidence_timeline(per_minute: list[float | None], low: float) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 2.2))
    # A minute without words is a gap in the line, not an interpolation.
    ax.plot(range(len(per_minute)), [float("nan") if v is None else v for v in per_minute], marker=".", linewidth=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axhline(low, color="tab:red", linewidth=0.8, linestyle="--", label=f"low ({low})")
    ax.set_ylim(0, 1)
    ax.set_xlabel("minute of the recording")
    ax.set_ylabel("mean word probability")
    ax.legend(loc="lower right", frameon=False)
    return _svg(fig)


def flags_per_minute(counts: list[int]) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 2.2))
    ax.bar(range(len(counts)), counts, width=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("minute of the recording")
    ax.set_ylabel("flags raised")
    return _svg(fig)


def bars(labels: list[str], values: list[float], xlabel: str) -> str:
    """Horizontal bars, one per speaker, role or interview."""
    fig, ax = plt.subplots(figsize=(7.5, 0.5 + 0.35 * max(len(labels), 1)))
    ax.barh(labels, values)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, max([0.05, *values]) * 1.15)
    return _svg(fig)


def speech_by_language(labels: list[str], languages: list[str], seconds: list[dict[str, tuple[float, float]]]) -> str:
    """One bar per speaker, split by language; the part whose language is in doubt hatched.

    ``seconds[k][language]`` is (speech, of which in doubt) of speaker ``labels[k]``.
    """
    fig, ax = plt.subplots(figsize=(6.5, 0.8 + 0.35 * max(len(labels), 1)))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    left = [0.0] * len(labels)
    for n, language in enumerate(languages):
        colour = colours[n % len(colours)]
        sure = [s.get(language, (0.0, 0.0))[0] - s.get(language, (0.0, 0.0))[1] for s in seconds]
        doubt = [s.get(language, (0.0, 0.0))[1] for s in seconds]
        ax.barh(labels, sure, left=left, color=colour, label=language)
        left = [a + b for a, b in zip(left, sure)]
        ax.barh(labels, doubt, left=left, color=colour, alpha=0.45, hatch="//", edgecolor="white", linewidth=0)
        left = [a + b for a, b in zip(left, doubt)]
    handles, names = ax.get_legend_handles_labels()
    if any(d for s in seconds for _, d in s.values()):
        handles.append(Patch(facecolor="white", edgecolor="grey", hatch="//"))
        names.append("language in doubt")
    ax.invert_yaxis()
    ax.set_xlabel("speech (seconds of segment time)")
    ax.set_xlim(0, max([1.0, *left]) * 1.05)
    ax.legend(handles, names, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return _svg(fig)


def seconds_per_validation(officers: list[tuple[str, list[tuple[float, float, float]]]]) -> str:
    """Seconds spent per validated segment along the recording, one colour per officer, against the segment's
    own duration (grey): ``officers[k] = (name, [(segment start in minutes, seconds spent, segment seconds)])``."""
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    durations = sorted({(x, d) for _, points in officers for x, _, d in points})
    if durations:
        ax.scatter([x for x, _ in durations], [max(d, 0.1) for _, d in durations], marker="_", s=60, color="grey",
                   label="the segment's duration")
    for n, (name, points) in enumerate(officers):
        ax.scatter([x for x, _, _ in points], [max(s, 0.1) for _, s, _ in points], s=10, color=colours[n % len(colours)],
                   label=name)
    ax.set_yscale("log")
    ax.set_xlabel("minute of the recording (segment start)")
    ax.set_ylabel("seconds before validating")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return _svg(fig)


def heard_along(officers: list[tuple[str, list[tuple[float, float, float]]]], needed: float) -> str:
    """The share of each validated segment its validating officer heard, along the recording:
    ``officers[k] = (name, [(segment start in minutes, segment minutes, share heard)])``."""
    fig, ax = plt.subplots(figsize=(7.5, 2.2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for n, (name, bars) in enumerate(officers):
        ax.bar([x for x, _, _ in bars], [max(h, 0.02) for _, _, h in bars], width=[max(w, 0.02) for _, w, _ in bars],
               align="edge", color=colours[n % len(colours)], label=name)
    ax.axhline(needed, color="tab:red", linewidth=0.8, linestyle="--", label=f"heard ({needed:.0%})")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("minute of the recording")
    ax.set_ylabel("share heard")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return _svg(fig)
