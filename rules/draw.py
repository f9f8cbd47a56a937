"""The random draw (随机抽取, rules §12): reproducible from a seed, fair, spread, capped per unit.

How it works, so that anyone can check it by hand:

1. The pool is sorted by id, so its order as given never matters.
2. Each candidate gets a priority: SHA-256 of "<seed>:<id>". Sorting by it is a uniformly
   random permutation that only the seed and the ids decide.
3. Candidates are grouped into strata by sub-discipline. Strata are visited in rounds
   (their order also from SHA-256 of the seed), one expert per stratum per round — a quota
   that spreads specialties wherever the pool allows; a stratum that runs out drops out.
4. Inside a stratum the next expert is the first in permutation order whose age band has
   the fewest experts chosen so far (spreading ages), skipping anyone whose organization
   already has `max_per_org` experts among those chosen (selected and backups together).
5. The first `need` chosen are selected, the next `backups` are backups, in order.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

ALGORITHM_VERSION = "sha256-stratified-v1"


@dataclass(frozen=True)
class DrawResult:
    selected: list = field(default_factory=list)
    backups: list = field(default_factory=list)
    shortfall: int = 0  # how many selected places the pool could not fill
    algorithm_version: str = ALGORITHM_VERSION


def _priority(seed: str, key) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode("utf-8")).hexdigest()


def pool_digest(ids) -> str:
    """SHA-256 over the sorted ids: stored with the draw so the pool can be proven later."""
    return hashlib.sha256(",".join(str(i) for i in sorted(ids)).encode("ascii")).hexdigest()


def draw(pool, need: int, backups: int, seed: str, max_per_org: int = 1) -> DrawResult:
    """Choose `need` experts and `backups` reserves from `pool` (objects with .id and .org_id)."""
    if need < 0 or backups < 0 or max_per_org < 1:
        raise ValueError("need and backups must be >= 0 and max_per_org >= 1")
    if not seed:
        raise ValueError("a draw needs a seed")
    members = sorted(pool, key=lambda c: c.id)
    if len({c.id for c in members}) != len(members):
        raise ValueError("pool ids must be unique")
    ordered = sorted(members, key=lambda c: (_priority(seed, c.id), c.id))

    strata: dict = {}
    for candidate in ordered:
        strata.setdefault(getattr(candidate, "sub_discipline", None), []).append(candidate)
    stratum_order = sorted(strata, key=lambda s: (_priority(seed, f"stratum:{s}"), str(s)))

    wanted = need + backups
    chosen: list = []
    per_org: dict = {}
    per_age: dict = {}
    active = list(stratum_order)
    while len(chosen) < wanted and active:
        still_active = []
        for stratum in active:
            if len(chosen) >= wanted:
                still_active.append(stratum)
                continue
            remaining = [c for c in strata[stratum] if per_org.get(c.org_id, 0) < max_per_org]
            strata[stratum] = remaining  # the capped are out for good: caps only grow
            if not remaining:
                continue
            fewest = min(per_age.get(getattr(c, "age_band", None), 0) for c in remaining)
            pick = next(c for c in remaining if per_age.get(getattr(c, "age_band", None), 0) == fewest)
            remaining.remove(pick)
            chosen.append(pick)
            per_org[pick.org_id] = per_org.get(pick.org_id, 0) + 1
            band = getattr(pick, "age_band", None)
            per_age[band] = per_age.get(band, 0) + 1
            if remaining:
                still_active.append(stratum)
        active = still_active
    ids = [c.id for c in chosen]
    return DrawResult(selected=ids[:need], backups=ids[need:wanted], shortfall=max(0, need - len(ids)))
