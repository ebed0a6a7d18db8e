"""A delta's history as people read it: its versions page by page, what each changed, downloads by month."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from hub.core.errors import Invalid
from hub.deltas.models import Delta, DeltaDownload, DeltaVersion, VersionFile

VERSIONS_PER_PAGE = 30


@dataclass
class VersionPage:
    versions: list[DeltaVersion]
    older_than: int | None  # where the next page starts: versions numbered below this


def version_page(delta: Delta, before: str | None = None, per_page: int = VERSIONS_PER_PAGE) -> VersionPage:
    """The newest versions numbered below `before` (all when None), by the (delta, number) index."""
    versions = delta.versions.select_related("author").annotate(file_count=Count("files")).order_by("-number")
    if before:
        if not before.isdigit() or len(before) > 9:
            raise Invalid("invalid_field", "before: give a version number.", field="before")
        versions = versions.filter(number__lt=int(before))
    rows = list(versions[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return VersionPage(rows, rows[-1].number if more else None)


def previous_version(version: DeltaVersion) -> DeltaVersion | None:
    earlier = DeltaVersion.objects.filter(delta_id=version.delta_id, number__lt=version.number)
    return earlier.order_by("-number").first()


@dataclass
class FileDiff:
    added: list[VersionFile]
    changed: list[tuple[VersionFile, VersionFile]]  # (before, after)
    removed: list[VersionFile]
    unchanged: list[VersionFile]


def file_diff(version: DeltaVersion, parent: DeltaVersion | None) -> FileDiff:
    """The files `version` added, changed (other bytes at the same path) and removed, against `parent`."""
    now = _files(version)
    before = _files(parent) if parent is not None else {}
    return FileDiff(
        added=[f for path, f in now.items() if path not in before],
        changed=[(before[p], f) for p, f in now.items() if p in before and before[p].object_id != f.object_id],
        removed=[f for path, f in before.items() if path not in now],
        unchanged=[f for p, f in now.items() if p in before and before[p].object_id == f.object_id],
    )


def _files(version: DeltaVersion) -> dict[str, VersionFile]:
    return {f.path: f for f in version.files.select_related("object").order_by("path")}


@dataclass
class MonthCount:
    month: datetime.date
    downloads: int
    share: float = 0.0  # of the busiest month's downloads, for a bar


def downloads_by_month(delta: Delta, months: int = 12) -> list[MonthCount]:
    """Downloads of each of the last `months` calendar months, this one included, zero where there were none."""
    firsts = _month_starts(timezone.now().date(), months)
    rows = (
        DeltaDownload.objects.filter(delta=delta, day__gte=firsts[0])
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(n=Count("id"))
    )
    counts = {row["month"]: row["n"] for row in rows}
    busiest = max(counts.values(), default=0)
    months = [MonthCount(first, counts.get(first, 0)) for first in firsts]
    for month in months:
        month.share = month.downloads / busiest if busiest else 0.0
    return months


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    """The first day of each of the `months` months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [datetime.date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]
