"""Charts drawn on the server as SVG: figures in, markup out, no database and no JavaScript.

A `Figure` holds the numbers of one chart: categories (the rows) and one or more series (the bars
of each row). `bar_chart` draws it as horizontal bars, one group per category, with each value
written beside its bar. The accessible name is the title; the description reads every value in
words, so a screen reader hears the data without the table. Colours come from CSS classes
(`chart__bar--<tone>`), never from inline styles (the Content-Security-Policy forbids them).
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Layout, in SVG units: the drawing scales to its container's width.
WIDTH = 420
LABEL_WIDTH = 165
VALUE_WIDTH = 40
BAR_HEIGHT = 18
BAR_GAP = 3
GROUP_GAP = 12
LEGEND_LINE = 18
LEGEND_CHAR_WIDTH = 7  # room per character of a legend's name, at the CSS font size
PADDING = 8
LABEL_MAX_CHARS = 25
TONES = frozenset({"primary", "secondary", "danger", "warning", "neutral"})


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per category; None: no figure (nothing to measure)
    tone: str = "primary"


@dataclass(frozen=True)
class Figure:
    key: str  # unique among the page's charts: the ids of its title and description hold it
    title: str
    description: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    category_name: str = ""  # the heading of the categories' column in the table
    unit: str = ""

    def rows(self) -> list[tuple[str, list[str]]]:
        """The table's rows: each category with its values as shown."""
        return [
            (category, [number(serie.values[index]) for serie in self.series])
            for index, category in enumerate(self.categories)
        ]

    def total(self) -> int:
        """The sum of the first series (for a sentence such as "12 use cases")."""
        return round(sum(value or 0 for value in self.series[0].values)) if self.series else 0

    def svg(self) -> SafeString:
        return bar_chart(self)


def number(value: float | None) -> str:
    """A value as the chart and its table write it: whole numbers plain, others to one decimal."""
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def in_words(figure: Figure) -> str:
    """Every value of the figure in one sentence, for its SVG description."""
    unit = f" {figure.unit}" if figure.unit else ""
    parts = []
    for category, values in figure.rows():
        if len(figure.series) == 1:
            parts.append(f"{category}: {values[0]}{unit}")
        else:
            said = ", ".join(
                f"{serie.name} {value}" for serie, value in zip(figure.series, values, strict=True)
            )
            parts.append(f"{category}: {said}")
    return f"{figure.description} " + "; ".join(parts) + "."


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…"


def _tone(serie: Series) -> str:
    return serie.tone if serie.tone in TONES else "primary"


def _legend(series: tuple[Series, ...]) -> tuple[list[str], int]:
    """A swatch and a name per series, wrapped onto as many lines as the width needs; the markup
    and the height it takes."""
    parts, x, y = [], PADDING, PADDING
    for serie in series:
        room = 20 + LEGEND_CHAR_WIDTH * len(serie.name)
        if x > PADDING and x + room > WIDTH:
            x, y = PADDING, y + LEGEND_LINE
        parts.append(
            f'<rect class="chart__bar chart__bar--{_tone(serie)}" x="{x}" y="{y}" '
            f'width="12" height="12"/>'
            f'<text class="chart__legend" x="{x + 16}" y="{y + 11}">{escape(serie.name)}</text>'
        )
        x += room + 12
    return parts, y - PADDING + LEGEND_LINE + 6


def _group(figure: Figure, index: int, top: int, scale: float) -> list[str]:
    parts = []
    height = len(figure.series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    label = figure.categories[index]
    parts.append(
        f'<text class="chart__label" x="{LABEL_WIDTH - 8}" y="{top + height / 2 + 5:.1f}" '
        f'text-anchor="end">{escape(_short(label))}</text>'
    )
    for position, serie in enumerate(figure.series):
        y = top + position * (BAR_HEIGHT + BAR_GAP)
        value = serie.values[index]
        width = 0.0 if value is None else max(value * scale, 0.0)
        if width:
            parts.append(
                f'<rect class="chart__bar chart__bar--{_tone(serie)}" x="{LABEL_WIDTH}" y="{y}" '
                f'width="{width:.1f}" height="{BAR_HEIGHT}"/>'
            )
        parts.append(
            f'<text class="chart__value" x="{LABEL_WIDTH + width + 6:.1f}" '
            f'y="{y + BAR_HEIGHT - 4}">{escape(number(value))}</text>'
        )
    return parts


def bar_chart(figure: Figure) -> SafeString:
    """Horizontal bars: a group per category, a bar per series, each value written beside it."""
    values = [value for serie in figure.series for value in serie.values if value is not None]
    largest = max(values, default=0) or 1
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH - PADDING) / largest
    group_height = len(figure.series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    parts, legend_height = _legend(figure.series) if len(figure.series) > 1 else ([], 0)
    top = PADDING + legend_height
    for index in range(len(figure.categories)):
        parts.extend(_group(figure, index, top, scale))
        top += group_height + GROUP_GAP
    height = top - GROUP_GAP + PADDING
    key = escape(f"chart-{figure.key}")
    return mark_safe(  # noqa: S308 - every text above is escaped, every number formatted
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{key}-title" aria-describedby="{key}-desc" '
        f'focusable="false">'
        f'<title id="{key}-title">{escape(figure.title)}</title>'
        f'<desc id="{key}-desc">{escape(in_words(figure))}</desc>'
        f'<line class="chart__axis" x1="{LABEL_WIDTH}" y1="{PADDING + legend_height}" '
        f'x2="{LABEL_WIDTH}" '
        f'y2="{height - PADDING}"/>' + "".join(parts) + "</svg>"
    )
