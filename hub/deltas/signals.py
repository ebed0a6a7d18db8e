from django.dispatch import Signal

# Both are sent inside the transaction that makes the change; receivers that enqueue work use
# transaction.on_commit.
version_committed = Signal()
backbone_weights_attached = Signal()
# A delta that had no backbone (or a guessed one) now has the one its owner named: its validation can go on.
delta_backbone_bound = Signal()
