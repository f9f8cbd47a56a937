"""The random draw (随机抽取, rules §12): reproducible from a seed, fair, spread, capped per unit.

How it works (version ``sha256-systematic-v2``), so that anyone can check it by hand:

1. The pool is sorted by id, so its order as given never matters.
2. Each candidate gets a priority: SHA-256 of "<seed>:<id>". Sorting by it is a uniformly
   random permutation that only the seed and the ids decide.
3. The candidates are lined up stratum by stratum: sub-disciplines in an order drawn from
   the seed, inside each the age bands in an order drawn from the seed, inside each band
   the permutation order.
4. Systematic sampling along that line: with N candidates and k places, the step is N/k
   and the start a point in [0, N/k) taken from SHA-256 of the seed; the candidates at
   start, start + step, ... are taken. Every candidate has the same chance k/N, however
   rare their sub-discipline (so nobody can be steered in by a narrow specialty), and
   every sub-discipline and age band gets its proportional share, rounded down or up —
   the quotas of §12.
5. A taken place whose candidate's organization already has ``max_per_org`` experts among
   those chosen (selected and backups together) passes to the next candidate along the
   line that is free, wrapping around; a shortfall remains only when every organization
   has reached its cap.
6. The selected are sampled first; the backups are then sampled the same way from the rest.
   Each group is ordered by priority: the order of invitation is random too.

Version ``sha256-stratified-v1`` (round-robin over sub-disciplines, which gave a lone
specialist a near-certain place) is kept only to replay draws recorded with it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction

ALGORITHM_VERSION = "sha256-systematic-v2"
_V1 = "sha256-stratified-v1"


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


def _checked(pool, need: int, backups: int, seed: str, max_per_org: int) -> list:
    if need < 0 or backups < 0 or max_per_org < 1:
        raise ValueError("need and backups must be >= 0 and max_per_org >= 1")
    if not seed:
        raise ValueError("a draw needs a seed")
    members = sorted(pool, key=lambda c: c.id)
    if len({c.id for c in members}) != len(members):
        raise ValueError("pool ids must be unique")
    return members


def _priorities(seed: str, ids) -> dict:
    """`_priority` of many ids at once, as digests: bytes sort exactly as their hex does, and
    hashing the shared "<seed>:" prefix once saves most of the cost (a pool holds thousands)."""
    prefix = hashlib.sha256(f"{seed}:".encode("utf-8"))
    result = {}
    for key in ids:
        h = prefix.copy()
        h.update(str(key).encode("utf-8"))
        result[key] = h.digest()
    return result


def draw(pool, need: int, backups: int, seed: str, max_per_org: int = 1) -> DrawResult:
    """Choose `need` experts and `backups` reserves from `pool` (objects with .id and .org_id)."""
    members = _checked(pool, need, backups, seed, max_per_org)
    priority = _priorities(seed, [c.id for c in members])

    def ranks(kind: str, attribute: str) -> dict:
        """value -> its place in the seed's order of the kind (a few dozen values among thousands)."""
        values = {getattr(c, attribute, None) for c in members}
        rank = {v: (_priority(seed, f"{kind}:{v}"), str(v)) for v in values}
        place = {r: i for i, r in enumerate(sorted(set(rank.values())))}
        return {v: place[r] for v, r in rank.items()}

    stratum, band = ranks("stratum", "sub_discipline"), ranks("age", "age_band")
    # The line: stratum by stratum, band by band, each in priority order. Sorting once by priority
    # and then stably by the (few) stratum and band places gives that order without a tuple per candidate.
    line = sorted(members, key=lambda c: (priority[c.id], c.id))
    line.sort(key=lambda c: (stratum[getattr(c, "sub_discipline", None)], band[getattr(c, "age_band", None)]))
    taken: set = set()
    per_org: dict = {}

    def sample(k: int, label: str) -> list:
        rest = [c for c in line if c.id not in taken]
        n = len(rest)
        if k <= 0 or n == 0:
            return []
        step = Fraction(n, k) if k < n else Fraction(1)
        start = Fraction(int(_priority(seed, label), 16), 2 ** 256) * step
        picks = []
        for i in range(min(k, n)):
            position = int(start + i * step)  # floor: start and step are non-negative
            for j in range(n):
                candidate = rest[(position + j) % n]
                if candidate.id not in taken and per_org.get(candidate.org_id, 0) < max_per_org:
                    taken.add(candidate.id)
                    per_org[candidate.org_id] = per_org.get(candidate.org_id, 0) + 1
                    picks.append(candidate)
                    break
            else:
                break  # every organization left is at its cap
        return [c.id for c in sorted(picks, key=lambda c: (priority[c.id], c.id))]

    selected = sample(need, "selected")
    reserve = sample(backups, "backups")
    return DrawResult(selected=selected, backups=reserve, shortfall=need - len(selected))


def _draw_v1(pool, need: int, backups: int, seed: str, max_per_org: int = 1) -> DrawResult:
    """Round-robin over sub-disciplines; kept only to replay draws recorded with version 1."""
    members = _checked(pool, need, backups, seed, max_per_org)
    ordered = sorted(members, key=lambda c: (_priority(seed, c.id), c.id))
    strata: dict = {}
    for candidate in ordered:
        strata.setdefault(getattr(candidate, "sub_discipline", None), []).append(candidate)
    active = sorted(strata, key=lambda s: (_priority(seed, f"stratum:{s}"), str(s)))
    wanted = need + backups
    chosen: list = []
    per_org: dict = {}
    per_age: dict = {}
    while len(chosen) < wanted and active:
        still_active = []
        for stratum in active:
            if len(chosen) >= wanted:
                still_active.append(stratum)
                continue
            remaining = [c for c in strata[stratum] if per_org.get(c.org_id, 0) < max_per_org]
            strata[stratum] = remaining
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
    return DrawResult(selected=ids[:need], backups=ids[need:wanted], shortfall=max(0, need - len(ids)),
                      algorithm_version=_V1)


REPLAYABLE = {ALGORITHM_VERSION: draw, _V1: _draw_v1}
# How the record names each version to its readers.
ALGORITHM_NAMES = {ALGORITHM_VERSION: "SHA-256 哈希排序、按单位名额等距抽取（第2版）",
                   _V1: "SHA-256 哈希排序抽取（第1版）"}


def replay(version: str, pool, need: int, backups: int, seed: str, max_per_org: int = 1) -> DrawResult:
    """Recompute a recorded draw with the algorithm version it was made with; KeyError if unknown."""
    return REPLAYABLE[version](pool, need, backups, seed, max_per_org)
