"""Build browse links that keep the current filters in the query string."""

from urllib.parse import urlencode

MULTI_VALUED = {"delta_type"}


def toggled(params, name, value):
    """The query string with `name=value` switched on or off; any page number is dropped."""
    pairs = [(k, v) for k in params for v in params.getlist(k) if k != "page"]
    if (name, value) in pairs:
        pairs.remove((name, value))
    else:
        if name not in MULTI_VALUED:
            pairs = [(k, v) for k, v in pairs if k != name]
        pairs.append((name, value))
    return "?" + urlencode(pairs)


def with_page(params, number):
    pairs = [(k, v) for k in params for v in params.getlist(k) if k != "page"]
    return "?" + urlencode([*pairs, ("page", number)])
