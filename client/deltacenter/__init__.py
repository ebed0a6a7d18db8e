"""Delta Center client: publish parameter-efficient fine-tuning deltas and load them onto their backbone."""

from deltacenter.errors import BackboneMismatchError, DeltaCenterError, HubError
from deltacenter.hub import DeltaCenter
from deltacenter.pull import from_finetuned
from deltacenter.push import PushResult, push_backbone, push_to_hub

__version__ = "0.1.0"
__all__ = [
    "BackboneMismatchError",
    "DeltaCenter",
    "DeltaCenterError",
    "HubError",
    "PushResult",
    "from_finetuned",
    "push_backbone",
    "push_to_hub",
]
