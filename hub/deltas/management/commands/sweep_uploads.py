from datetime import timedelta

from django.core.management.base import BaseCommand

from hub.deltas.cleanup import grace_window, sweep_storage


class Command(BaseCommand):
    help = (
        "Run the storage sweep now: unfinished uploads and objects nothing references, untouched for --hours"
        " (default: DELTACENTER_STORAGE_GRACE_SECONDS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None)

    def handle(self, hours, **options):
        counts = sweep_storage(timedelta(hours=hours) if hours is not None else grace_window())
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
