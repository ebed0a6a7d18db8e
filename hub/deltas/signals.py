from django.dispatch import Signal

# Sent inside the commit's transaction; receivers that enqueue work use transaction.on_commit.
version_committed = Signal()
