from django.dispatch import Signal

# Both are sent inside the transaction that makes the change; receivers that enqueue work use
# transaction.on_commit.
version_committed = Signal()
backbone_weights_attached = Signal()
