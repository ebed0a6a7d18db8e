from datetime import timedelta

from django.core.management.base import BaseCommand

from hub.deltas.cleanup import sweep_abandoned_uploads


class Command(BaseCommand):
    help = "Delete staged uploads and unfinished multipart uploads older than --hours (default 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24)

    def handle(self, hours, **options):
        counts = sweep_abandoned_uploads(timedelta(hours=hours))
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
