"""Two to four deltas side by side: their scores on each suite with the baselines, and what they are made of."""

from dataclasses import dataclass

from hub.core.errors import Invalid
from hub.deltas.services import get_visible_delta, latest_version
from hub.web.details import results_of

MIN_DELTAS, MAX_DELTAS = 2, 4


@dataclass(frozen=True)
class Compared:
    delta: object
    version: object  # None before the first push
    files: int
    size: int
    results: dict  # suite id -> EvalResult of the newest version


@dataclass(frozen=True)
class Comparison:
    deltas: list
    suites: list  # every suite any of them was scored on, by name

    def rows(self):
        """Per suite: (suite, [result or None for each delta], the best delta's index or None)."""
        for suite in self.suites:
            results = [c.results.get(suite.pk) for c in self.deltas]
            yield suite, results, _best(suite, results)


def parse_names(values) -> list:
    """The delta names asked for ("namespace/name"), each once, in order; Invalid unless 2 to 4."""
    names = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not MIN_DELTAS <= len(names) <= MAX_DELTAS:
        raise Invalid("invalid_field", f"Choose {MIN_DELTAS} to {MAX_DELTAS} deltas to compare.", field="delta")
    if any(name.count("/") != 1 for name in names):
        raise Invalid("invalid_field", "Name each delta as namespace/name.", field="delta")
    return names


def compare(user, names) -> Comparison:
    """The deltas `names` (from parse_names) as `user` may see them; NotFound for one they may not."""
    compared = [_compared(get_visible_delta(user, *name.split("/"))) for name in names]
    suites = {r.suite.pk: r.suite for c in compared for r in c.results.values()}
    return Comparison(compared, sorted(suites.values(), key=lambda s: (s.name, s.version)))


def _compared(delta):
    version = latest_version(delta)
    if version is None:
        return Compared(delta, None, 0, 0, {})
    files = version.files.all()  # latest_version fetched them with their objects
    results = {r.suite_id: r for r in results_of(version)}
    return Compared(delta, version, len(files), sum(f.object.size for f in files), results)


def _best(suite, results):
    scored = [(i, r.score) for i, r in enumerate(results) if r is not None]
    if len(scored) < 2:
        return None
    pick = max if suite.higher_is_better else min
    return pick(scored, key=lambda pair: pair[1])[0]
