"""Links between report pages, the coverage tables' rows and the server-rendered SVG charts (no
JavaScript, no inline styles: sizes are SVG attributes, colours come from classes in
reports.css).

The table rows and bars are built here (escaping every piece of text) rather than in template
loops: a dashboard of 50 units has about 1,500 cells, and the template engine took ~180 ms to
render them.
"""

from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..selectors import Status

register = template.Library()


@lru_cache(maxsize=32)
def _path(name: str, args: tuple = ()) -> str:
    return reverse(name, args=args)


def _url(name: str, query: dict, overrides: dict, args=()) -> str:
    merged = {**(query or {}), **overrides}
    params = {k: v for k, v in merged.items() if v not in (None, "")}
    url = _path(name, tuple(args))
    return f"{url}?{urlencode(params)}" if params else url


@register.simple_tag
def people_url(query, **overrides) -> str:
    """The list of people behind a figure: the page's filters and drill, with ``overrides``."""
    return _url("reports:people", query, overrides)


@register.simple_tag
def dashboard_url(query, **overrides) -> str:
    return _url("reports:dashboard", query, overrides)


@register.simple_tag
def outcomes_url(query, **overrides) -> str:
    return _url("reports:outcomes", query, overrides)


@register.simple_tag
def export_url(report, fmt, query) -> str:
    return _url("reports:export", query, {}, args=(report, fmt))


def number(value) -> str:
    """1234 -> "1,234" (UK digit grouping)."""
    return f"{value:,}" if isinstance(value, int) else str(value)


# --- Charts --------------------------------------------------------------------------------


def _rects(parts: list[tuple[str, Decimal]]) -> str:
    x, rects = Decimal(0), []
    for key, width in parts:
        if width > 0:
            rects.append(
                f'<rect class="chart-seg chart-seg--{key}" x="{x:.3f}" y="0" width="{width:.3f}" '
                'height="6"></rect>'
            )
            x += width
    return "".join(rects)


def _bar(parts, description: str | None, thin: bool = False) -> str:
    """An SVG bar. With a description it is an image with that text alternative; without, it
    is decoration next to the same numbers (hidden from screen readers)."""
    css = "chart-bar chart-bar--thin" if thin else "chart-bar"
    if description is None:
        label = 'aria-hidden="true"'
    else:
        text = escape(description)
        label = f'role="img" aria-label="{text}"'
    title = "" if description is None else f"<title>{escape(description)}</title>"
    return mark_safe(  # noqa: S308 - only numbers, class names and escaped text
        f'<svg class="{css}" viewBox="0 0 100 6" preserveAspectRatio="none" {label} '
        f'focusable="false">{title}<rect class="chart-bar__track" x="0" y="0" width="100" '
        f'height="6"></rect>{_rects(parts)}</svg>'
    )


def _status_parts(counts) -> list[tuple[str, Decimal]]:
    total = counts.total
    return [(s, Decimal(counts.count(s)) * 100 / total if total else Decimal(0))
            for s in Status.ORDER]  # fmt: skip


@register.simple_tag
def status_bar(counts, label: str = ""):
    """A horizontal bar split by coverage status, with its text alternative."""
    total = counts.total
    if total:
        shares = counts.shares()
        described = ", ".join(
            f"{Status.LABELS[s]} {counts.count(s):,} ({shares[s]}%)"
            for s in Status.ORDER
            if counts.count(s)
        )
        description = f"{label}: {total:,} staff. {described}."
    else:
        description = f"{label}: no staff."
    return _bar(_status_parts(counts), description)


@register.simple_tag
def share_bar(share, label: str = "", kind: str = "meets", decorative: bool = False):
    """A bar filled to ``share`` percent (0-100). In a table row whose cells hold the same
    numbers, ``decorative`` hides it from screen readers."""
    share = max(Decimal(0), min(Decimal(100), Decimal(share or 0)))
    return _bar([(kind, share)], None if decorative else f"{label}: {share}%", thin=True)


# --- Coverage table rows -------------------------------------------------------------------


def _cell(url: str | None, count: int, share=None) -> str:
    """A number cell; a link to the people behind it when ``url``. The row and column headers
    give the link its purpose (WCAG 2.4.4, link purpose in context)."""
    text = number(count)
    if url:
        text = f'<a href="{escape(url)}">{text}</a>'
    if share is not None:
        text = f'{text} <span class="share">{share}%</span>'
    return f'<td class="num">{text}</td>'


@register.simple_tag
def coverage_rows(rows, dim: str, query: dict, named: bool, link_units: bool = False):
    """The body rows of a coverage table (by unit, job role or tier): staff, each status with
    its share, trained recently and a bar (decoration: the row holds its numbers); with
    ``named``, every figure links to the people behind it."""
    html = []
    for row in rows:
        ref = {"unit": row.unit, "role": row.job_role, "tier": row.tier}[dim]
        base = {dim: ref.pk} if ref is not None else {}
        label = escape(row.label)
        if dim == "unit" and row.unit is not None and not row.direct and link_units:
            url = escape(dashboard_url(query, unit=row.unit.pk))
            head = f'<a href="{url}">{label}</a>'
        else:
            head = label
        if dim == "role" and row.tier is not None:
            head += f' <span class="tag tag--tier">{escape(row.tier.code)}</span>'
        counts = row.counts
        everyone = people_url(query, **base)  # has a "?": the row's key is in it
        cells = [_cell(everyone if named and counts.total else None, counts.total)]
        shares = counts.shares()
        for status in Status.ORDER:
            count = counts.count(status)
            url = f"{everyone}&status={status}" if named and count else None
            cells.append(_cell(url, count, shares[status]))
        cells.append(_cell(None, counts.trained_recently, counts.trained_recently_share))
        bar = _bar(_status_parts(counts), None)
        cells.append(f'<td class="chart-col">{bar}</td>')
        html.append(f'<tr><th scope="row">{head}</th>{"".join(cells)}</tr>')
    return mark_safe("\n".join(html))  # noqa: S308 - numbers, escaped text and escaped URLs


@register.simple_tag
def coverage_total(counts, label: str = "Total (each person once)"):
    shares = counts.shares()
    cells = [_cell(None, counts.total)]
    cells += [_cell(None, counts.count(s), shares[s]) for s in Status.ORDER]
    cells.append(_cell(None, counts.trained_recently, counts.trained_recently_share))
    cells.append(f'<td class="chart-col">{_bar(_status_parts(counts), None)}</td>')
    return mark_safe(f'<tr><th scope="row">{escape(label)}</th>{"".join(cells)}</tr>')  # noqa: S308


@register.filter
def tag_for(status: str) -> str:
    return Status.TAGS.get(status, "tag--muted")


@register.filter
def status_label(status: str) -> str:
    return Status.LABELS.get(status, status)


@register.filter
def thousands(value) -> str:
    return number(value)


# --- Coverage over time --------------------------------------------------------------------


@register.simple_tag
def trend_chart(row, labels, chart_id: str):
    """Columns of the share holding the required tier on each day of ``row.cells`` (an
    ``outcomes.OutcomeRow``), labelled with ``labels``: an image whose title and description
    carry every figure (the same figures as the quarterly table)."""
    width, gap, top, height = 40, 10, 16, 100
    count = len(row.cells)
    figures = "; ".join(
        f"{label}: {cell.share}% ({cell.holding:,} of {cell.total:,})"
        for label, cell in zip(labels, row.cells, strict=True)
    )
    title = escape(f"{row.label}: share holding the required tier, by quarter")
    desc = escape(f"{figures}.")
    bars = []
    for i, (label, cell) in enumerate(zip(labels, row.cells, strict=True)):
        x = gap + i * (width + gap)
        h = float(cell.share) * height / 100
        y = top + height - h
        bars.append(
            f'<rect class="chart-seg chart-seg--meets" x="{x}" y="{y:.1f}" width="{width}" '
            f'height="{h:.1f}"></rect>'
            f'<text x="{x + width / 2}" y="{y - 4:.1f}" text-anchor="middle">{cell.share}%</text>'
            f'<text x="{x + width / 2}" y="{top + height + 14}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    total_width = gap + count * (width + gap)
    return mark_safe(  # noqa: S308 - only numbers and escaped text
        f'<svg class="trend-chart" viewBox="0 0 {total_width} {top + height + 22}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{title}</title><desc id="{chart_id}-desc">{desc}</desc>'
        f'<line class="trend-chart__axis" x1="0" y1="{top + height}" x2="{total_width}" '
        f'y2="{top + height}"></line>{"".join(bars)}</svg>'
    )
