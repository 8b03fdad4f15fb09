"""Similarity histograms drawn as SVG on the server, for the calibration page.

Drawn here rather than by matplotlib: the deployed Lambda package carries no numpy (the local
engine does not run there), and a few bars and lines need no plotting library. Only
presentation attributes, no <style> element: the site's Content-Security-Policy holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH_PX, HEIGHT_PX = 640, 260
LEFT_PX, RIGHT_PX, TOP_PX, BOTTOM_PX = 44, 12, 34, 50  # the legend goes under the axis
PLOT_WIDTH_PX = WIDTH_PX - LEFT_PX - RIGHT_PX
PLOT_HEIGHT_PX = HEIGHT_PX - TOP_PX - BOTTOM_PX


@dataclass(frozen=True)
class Series:
    """Counts per bin of similarity (bins of `bin_width` from 0 to 100)."""

    label: str
    counts: Sequence[int]
    colour: str


@dataclass(frozen=True)
class Marker:
    """A vertical line at a similarity: a threshold."""

    label: str
    similarity: float
    colour: str
    dashed: bool = False


def histogram_svg(
    title: str, series: Sequence[Series], markers: Sequence[Marker], *, bin_width: float
) -> SafeString:
    """One histogram (series overlaid, half transparent) with the markers drawn across it."""
    highest = max((count for one in series for count in one.counts), default=0) or 1

    def x(similarity: float) -> float:
        return round(LEFT_PX + PLOT_WIDTH_PX * min(max(similarity, 0.0), 100.0) / 100, 1)

    def y(count: float) -> float:
        return round(TOP_PX + PLOT_HEIGHT_PX * (1 - count / highest), 1)

    bottom = y(0)
    bars = format_html_join(
        "",
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.6">'
        "<title>{}: {} at {}-{}</title></rect>",
        (
            (
                x(index * bin_width),
                y(count),
                max(0.5, x((index + 1) * bin_width) - x(index * bin_width) - 1),
                round(bottom - y(count), 1),
                one.colour,
                one.label,
                count,
                f"{index * bin_width:g}",
                f"{(index + 1) * bin_width:g}",
            )
            for one in series
            for index, count in enumerate(one.counts)
            if count
        ),
    )
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#555"/>'
        '<text x="{0}" y="{3}" font-size="11" text-anchor="middle">{4}</text>',
        ((x(tick), bottom, bottom + 4, bottom + 16, tick) for tick in range(0, 101, 10)),
    )
    lines = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}" stroke-width="2"{4}/>'
        '<text x="{0}" y="{5}" font-size="11" text-anchor="middle" fill="{3}">{6}</text>',
        (
            (
                x(marker.similarity),
                TOP_PX - 4,
                bottom,
                marker.colour,
                format_html(' stroke-dasharray="{}"', "5 3") if marker.dashed else "",
                TOP_PX - 8 - 11 * (number % 2),  # alternate heights: close labels stay legible
                f"{marker.label} {marker.similarity:g}",
            )
            for number, marker in enumerate(markers)
        ),
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}" fill-opacity="0.6"/>'
        '<text x="{}" y="{}" font-size="11">{}</text>',
        (
            (
                LEFT_PX + 150 * number,
                HEIGHT_PX - 14,
                one.colour,
                LEFT_PX + 150 * number + 14,
                HEIGHT_PX - 5,
                one.label,
            )
            for number, one in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="histogram" role="img" aria-label="{title}" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="sans-serif"><title>{title}</title>{legend}'
        '<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#555"/>'
        '<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#555"/>'
        '<text x="{label_x}" y="{top_label_y}" font-size="11" text-anchor="end">{highest}</text>'
        '<text x="{label_x}" y="{bottom}" font-size="11" text-anchor="end">0</text>'
        '{bars}{ticks}{lines}<text x="{right}" y="{axis_label_y}" font-size="11" '
        'text-anchor="end">similarity (0-100)</text></svg>',
        title=title,
        width=WIDTH_PX,
        height=HEIGHT_PX,
        legend=legend,
        left=LEFT_PX,
        right=LEFT_PX + PLOT_WIDTH_PX,
        top=TOP_PX,
        bottom=bottom,
        label_x=LEFT_PX - 4,
        top_label_y=TOP_PX + 10,
        highest=highest,
        bars=bars,
        ticks=ticks,
        lines=lines,
        axis_label_y=HEIGHT_PX - 5,
    )
