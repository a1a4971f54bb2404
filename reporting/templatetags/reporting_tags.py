from django import template

from common.cells import cell_text

register = template.Library()


@register.filter
def cell(value):
    """A board cell as Swedish text: decimal comma, "<5"/"–" as they are, empty for none."""
    return cell_text(value)


@register.filter
def column(cells, key):
    """cells[key] for a dict of cells by column (K, M, X, total)."""
    return cells.get(key)
