"""The dashboard's charts, drawn on the server by pygal as SVG: readable without JavaScript and printable.

A chart is an <img> of a data: URI (the pages' CSP allows images from data:, not inline styles, and pygal
styles its SVG inline); an image's SVG runs no script and uses the system's fonts, whose CJK face draws the
Chinese labels. Each chart carries its figures as text too (the alt), for screen readers and search."""

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

import pygal
from pygal.style import Style

from shared.money import FEN_PER_YUAN, format_yuan

FONT = '"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif'
# The category colours of the badges (app.css .cat-*), then a few more for the other series.
COLOURS = ("#2f6f9f", "#3d8b5a", "#c47a1c", "#b23a3a", "#7a5ea8", "#6b7a8a", "#1f9aa0", "#a0522d")
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#222",
    foreground_subtle="#ddd",
    font_family=FONT,
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=15,
    title_font_size=18,
    value_font_size=11,
    colors=COLOURS,
)


@dataclass(frozen=True)
class Chart:
    """One chart as the page shows it: its title, the SVG as a data: URI and its figures said in words."""

    title: str
    src: str
    alt: str


def _chart_options(title: str, columns: int) -> dict[str, object]:
    return {
        "x_label_rotation": -30 if columns > 12 else 0,
        "title": title,
        "style": STYLE,
        "js": [],  # no tooltip script: an image runs none, and the figures are in the alt
        "disable_xml_declaration": True,
        "width": 720,
        "height": 420,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": False,
        "margin": 16,
        "margin_bottom": 52,  # pygal sizes a bottom legend of two rows short for CJK text
    }


def _as_chart(title: str, chart: pygal.graph.graph.Graph, alt: str) -> Chart:
    """The chart's SVG without pygal's configuration script (an image runs none; nothing is left to run)."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for script in [child for child in parent if str(child.tag).endswith("script")]:
            parent.remove(script)
    svg = ElementTree.tostring(tree, encoding="utf-8")
    return Chart(title, "data:image/svg+xml;base64," + base64.b64encode(svg).decode(), alt)


def stacked_bars(
    title: str, columns: Sequence[str], series: Mapping[str, Sequence[int]], *, unit: str, money: bool = False
) -> Chart:
    """Bars per column, each stacked from the series (households by category per region; with `money`,
    amounts in fen drawn and said in yuan)."""
    chart = pygal.StackedBar(**_chart_options(title, len(columns)))
    if money:
        chart.value_formatter = lambda value: f"{value:,.0f}"
    chart.x_labels = list(columns)
    for name, values in series.items():
        chart.add(name, [v / FEN_PER_YUAN for v in values] if money else list(values))
    said = {name: [format_yuan(v) if money else v for v in values] for name, values in series.items()}
    return _as_chart(title, chart, describe(columns, said, unit))


def lines(
    title: str,
    columns: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    unit: str,
    secondary: Mapping[str, Sequence[float | None]],
    secondary_unit: str,
) -> Chart:
    """A line per series over the columns, and the `secondary` ones on the right-hand axis (cases per
    month on the left, their median days to decision on the right)."""
    chart = pygal.Line(**_chart_options(title, len(columns)), dots_size=4)
    chart.x_labels = list(columns)
    for name, values in series.items():
        chart.add(name, list(values))
    for name, values in secondary.items():
        if any(value is not None for value in values):  # pygal cannot scale an axis of no values
            chart.add(name, list(values), secondary=True, stroke_style={"dasharray": "6, 4"})
    alt = describe(columns, series, unit) + "。" + describe(columns, secondary, secondary_unit)
    return _as_chart(title, chart, alt)


def describe(columns: Sequence[str], series: Mapping[str, Sequence[object]], unit: str) -> str:
    """The chart's figures as a sentence per column: `锡尼镇：一般户 120，脱贫户 14`."""
    parts = []
    for i, column in enumerate(columns):
        figures = "，".join(
            f"{name} {values[i]}{unit}"
            for name, values in series.items()
            if values[i] not in (None, 0, "0.00")
        )
        parts.append(f"{column}：{figures or '无'}")
    return "；".join(parts)
