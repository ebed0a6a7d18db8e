from django import template

from hub.evaluation.metrics import METRICS
from hub.evaluation.moderators import is_moderator as _is_moderator
from hub.evaluation.verdict import verdict as _verdict
from hub.web.formatting import percent

register = template.Library()


@register.filter
def is_moderator(user):
    return _is_moderator(user)


register.filter("percent", percent)


@register.filter
def score(value):
    return "—" if value is None else f"{value:.4f}"


@register.filter
def metric_label(name):
    """The display name of a suite metric: bits_per_byte -> 'Bits per byte'."""
    return METRICS[name].label if name in METRICS else name


@register.filter
def thousands(value):
    """73728 -> '73,728'."""
    return f"{int(value):,}" if isinstance(value, int) else ""


@register.filter
def human_count(value):
    """22713216 -> '22.7M'; small numbers as they are."""
    if value is None:
        return "—"
    for size, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return str(value)


@register.filter
def verdict(delta):
    """The badge a delta's validation state and baseline margin allow (hub.evaluation.verdict)."""
    return _verdict(delta.validation_state, delta.verified_margin)


@register.filter
def margin(value):
    """A margin over the baseline, signed: '+0.1200'; a dash when no baseline was measured."""
    return "—" if value is None else f"{value:+.4f}"
