"""Build browse links that keep the current filters in the query string."""

from urllib.parse import urlencode

import django_filters

from hub.deltas.filters import DeltaFilter

# Filters that take several values at once; choosing one of their values adds to the others.
MULTI_VALUED = {
    name for name, f in DeltaFilter.base_filters.items() if isinstance(f, django_filters.MultipleChoiceFilter)
}
# Where a page starts: any change of filters starts again at the first page.
POSITION = ("cursor", "page")


def _pairs_without_position(params):
    return [(k, v) for k in params for v in params.getlist(k) if k not in POSITION]


def toggled(params, name, value):
    """The query string with `name=value` switched on or off, from the first page."""
    pairs = _pairs_without_position(params)
    if (name, value) in pairs:
        pairs.remove((name, value))
    else:
        if name not in MULTI_VALUED:
            pairs = [(k, v) for k, v in pairs if k != name]
        pairs.append((name, value))
    return "?" + urlencode(pairs)


def with_cursor(params, cursor):
    """The query string of the page at `cursor`, or None where there is no such page."""
    if cursor is None:
        return None
    return "?" + urlencode([*_pairs_without_position(params), ("cursor", cursor)])
