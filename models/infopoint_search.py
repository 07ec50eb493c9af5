"""Search information points by name, organisation, kind, service, street or wijk, forgiving typos.

"bieb" finds libraries, "formulier" the points that help with forms, "overvegt" Overvecht. The
index lives in memory and is rebuilt when the table changes (checked with one cheap query per
search), so the database stays the source of truth.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Wijk
from models.infopoints import InfoPoint

# Words people type that the data spells differently.
SYNONYMS = {
    "bieb": "bibliotheek",
    "bib": "bibliotheek",
    "library": "bibliotheek",
    "gemeente": "wijkbureau",
    "loket": "wijkbureau",
    "buurtcentrum": "buurthuis",
    "computer": "digitale",
    "internet": "digitale",
    "geld": "geldzaken",
    "schulden": "geldzaken",
    "forms": "formulieren",
    "language": "taal",
    "care": "zorg",
}
# Little words that say nothing about a point ("de bieb in Overvecht").
STOPWORDS = frozenset(
    (
        "de", "het", "een", "in", "op", "bij", "van", "voor", "met", "en", "naar", "waar",
        "is", "ik", "wil", "zoek", "the", "a", "an", "at", "of", "for", "with", "and", "where",
        "near", "to",
    )
)  # fmt: skip

# How much a match in each field counts.
WEIGHTS = {
    "name": 3.0,
    "kind": 2.0,
    "services": 2.0,
    "organisation": 1.0,
    "street": 1.0,
    "wijk": 1.5,
}
_WORD_RE = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Split text into lower-case ascii words."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return _WORD_RE.findall("".join(c for c in text if not unicodedata.combining(c)))


def within_distance(a: str, b: str, limit: int) -> bool:
    """Tell whether the edit distance (with swaps) between a and b is at most limit."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


@dataclass
class SearchIndex:
    """Word -> points, per field, for one version of the table."""

    version: tuple[int, str]
    postings: dict[str, dict[int, float]] = field(default_factory=dict)
    by_length: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, point_id: int, text: str, weight: float) -> None:
        """Index the words of one field of a point."""
        for word in words(text):
            slot = self.postings.setdefault(word, {})
            if not word.isdigit():  # only words are matched loosely (prefix, typos)
                self.by_length[len(word)].add(word)
            slot[point_id] = max(slot.get(point_id, 0.0), weight)

    def matches(self, token: str) -> dict[int, float]:
        """Score points for one typed word: exact > prefix > a typo or two."""
        token = SYNONYMS.get(token, token)
        scores: dict[int, float] = {}

        def take(word: str, quality: float) -> None:
            for point_id, weight in self.postings[word].items():
                scores[point_id] = max(scores.get(point_id, 0.0), weight * quality)

        if token in self.postings:
            take(token, 3.0)
        if token.isdigit():
            return scores  # house numbers and the like: exact only, never "close enough"
        if len(token) >= 3:
            for length in range(len(token) + 1, 40):
                for word in self.by_length.get(length, ()):
                    if word.startswith(token):
                        take(word, 2.0)
        if len(token) >= 4:
            limit = 1 if len(token) < 8 else 2
            for length in range(len(token) - limit, len(token) + limit + 1):
                for word in self.by_length.get(length, ()):
                    if word != token and within_distance(token, word, limit):
                        take(word, 1.0)
        return scores


class PointSearch:
    """Search with an index cached per process and rebuilt when the points change."""

    def __init__(self) -> None:
        self._index: SearchIndex | None = None

    async def search(
        self, session: AsyncSession, query: str, *, limit: int = 10
    ) -> list[InfoPoint]:
        """Return the best matching visible points; every typed word must match something."""
        tokens = [w for w in words(query) if w not in STOPWORDS][:8]
        if not tokens:
            return []
        index = await self._current(session)
        total: dict[int, float] | None = None
        for token in tokens:
            found = index.matches(token)
            if total is None:
                total = found
            else:
                total = {pid: total[pid] + score for pid, score in found.items() if pid in total}
            if not total:
                return []
        assert total is not None
        best = sorted(total, key=lambda pid: (-total[pid], pid))[:limit]
        points = {
            p.id: p for p in await session.scalars(select(InfoPoint).where(InfoPoint.id.in_(best)))
        }
        return [points[pid] for pid in best if pid in points]

    async def _current(self, session: AsyncSession) -> SearchIndex:
        """Return the index, rebuilding it when the table changed since it was built."""
        count, changed = (
            await session.execute(select(func.count(InfoPoint.id), func.max(InfoPoint.updated_at)))
        ).one()
        version = (count or 0, str(changed))
        if self._index is None or self._index.version != version:
            self._index = await self._build(session, version)
        return self._index

    async def _build(self, session: AsyncSession, version: tuple[int, str]) -> SearchIndex:
        """Read every visible point's searchable fields."""
        index = SearchIndex(version)
        wijken = {w.id: w.name for w in await session.scalars(select(Wijk))}
        rows = await session.execute(
            select(
                InfoPoint.id, InfoPoint.name, InfoPoint.kind, InfoPoint.services,
                InfoPoint.organisation, InfoPoint.street, InfoPoint.wijk_id,
            ).where(InfoPoint.hidden.is_(False))
        )  # fmt: skip
        for point_id, name, kind, services, organisation, street, wijk_id in rows:
            index.add(point_id, name, WEIGHTS["name"])
            index.add(point_id, kind, WEIGHTS["kind"])
            index.add(point_id, " ".join(services or []), WEIGHTS["services"])
            index.add(point_id, organisation, WEIGHTS["organisation"])
            index.add(point_id, street, WEIGHTS["street"])
            index.add(point_id, wijken.get(wijk_id, ""), WEIGHTS["wijk"])
        return index
