"""Chinese full-text search of the published catalog (CAT-8), the same on SQLite and PostgreSQL.

Each published entry has a ``SearchEntry`` (its facets) and ``SearchPosting`` rows: the terms of
its name, summary, data items, provider and code, segmented with jieba, each with a weight
(a term in the name counts most). A query is segmented the same way; an entry scores the sum,
over the query's terms it contains, of the term's weight there times the term's rarity (idf),
and entries holding more of the query's terms come first. A query written exactly in an
entry's name earns a bonus, so "人口" puts 人口基础信息 on top. Filters and facet counts are
plain SQL over the same matches.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet

from .models import Resource, SearchEntry, SearchPosting

log = logging.getLogger(__name__)

# Where a term is found, and how much that weighs.
WEIGHTS = {"name": 10.0, "item": 4.0, "code": 4.0, "provider": 3.0, "library": 3.0, "summary": 1.0}
NAME_BONUS = 25.0
MAX_QUERY_TERMS = 12
FACETS = [
    "provider",
    "domain",
    "resource_class",
    "share_type",
    "open_type",
    "data_form",
    "update_cycle",
]
_WORD = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()
_jieba: Any = None


def _segmenter() -> Any:
    """jieba, loaded once per process (its dictionary takes about half a second to build)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def terms(text: str) -> list[str]:
    """Search terms of a text: jieba's search-mode segmentation (words and their shorter words),
    lower-cased, without punctuation; each term once, in order."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for token in _segmenter().cut_for_search(text.lower()):
        token = token.strip()
        if token and _WORD.search(token) and len(token) <= 64:
            seen.setdefault(token, None)
    return list(seen)


def _document(resource: Resource) -> dict[str, float]:
    version = resource.live_version
    assert version is not None
    weights: dict[str, float] = defaultdict(float)

    def add(text: str, where: str) -> None:
        for term in terms(text):
            weights[term] = max(weights[term], WEIGHTS[where])

    add(version.name, "name")
    for label, name in version.items.values_list("label", "name"):
        add(label, "item")
        add(name.replace("_", " "), "item")
    add(resource.code, "code")
    add(resource.provider.name, "provider")
    if resource.provider.short_name:
        add(resource.provider.short_name, "provider")
    if resource.library_id:
        add(resource.library.name, "library")  # type: ignore[union-attr]
    add(version.summary, "summary")
    # The summary is summed rather than maxed once: an entry that says it twice is about it.
    return dict(weights)


def index_resource(resource: Resource) -> None:
    """Rewrite what search knows of an entry from its live version; called in the transaction that
    publishes the version, so search never shows what was not published."""
    SearchPosting.objects.filter(entry_id=resource.pk).delete()
    version = resource.live_version
    if version is None:
        SearchEntry.objects.filter(resource_id=resource.pk).delete()
        return
    SearchEntry.objects.update_or_create(
        resource_id=resource.pk,
        defaults={
            "name": version.name,
            "provider_id": resource.provider_id,
            "domain": version.domain,
            "resource_class": resource.resource_class,
            "share_type": version.share_type,
            "open_type": version.open_type,
            "data_form": version.data_form,
            "update_cycle": version.update_cycle,
            "published_at": version.published_at,
        },
    )
    SearchPosting.objects.bulk_create(
        SearchPosting(term=term, entry_id=resource.pk, weight=weight)
        for term, weight in _document(resource).items()
    )


def reindex_all() -> int:
    """Rebuild the whole index (``manage.py catalog_reindex``), entry by entry."""
    count = 0
    SearchPosting.objects.all().delete()
    SearchEntry.objects.exclude(resource__live_version__isnull=False).delete()
    resources = Resource.objects.filter(live_version__isnull=False).select_related(
        "provider", "library", "live_version"
    )
    for resource in resources.iterator(500):
        index_resource(resource)
        count += 1
    return count


# --- Querying -----------------------------------------------------------------------------------


@dataclass
class Hit:
    resource_id: int
    score: float


@dataclass
class Results:
    count: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)


def _filtered(scope: str, filters: dict[str, Any]) -> QuerySet[SearchEntry]:
    entries = SearchEntry.objects.all()
    if scope == "share":
        entries = entries.exclude(share_type="none")
    elif scope == "open":
        entries = entries.exclude(open_type="none")
    for name in FACETS:
        value = filters.get(name)
        if value in (None, "", []):
            continue
        column = "provider_id" if name == "provider" else name
        if isinstance(value, list | tuple | set):
            entries = entries.filter(**{f"{column}__in": list(value)})
        else:
            entries = entries.filter(**{column: value})
    return entries


def search(
    query: str = "",
    *,
    scope: str = "resource",
    filters: dict[str, Any] | None = None,
    offset: int = 0,
    limit: int | None = None,
    facets: bool = True,
) -> Results:
    """Entries of the catalog ``scope`` ("resource", "share" or "open") matching ``query`` and
    ``filters`` (facet name → value or list), best first, with facet counts over all matches.
    Without a query, entries come newest published first."""
    limit = limit or settings.CATALOG_SEARCH_PAGE
    entries = _filtered(scope, filters or {})
    query_terms = terms(query)[:MAX_QUERY_TERMS]
    if not query.strip():
        count = entries.count()
        ids = list(
            entries.order_by("-published_at", "resource_id").values_list("resource_id", flat=True)[
                offset : offset + limit
            ]
        )
        hits = [Hit(pk, 0.0) for pk in ids]
        return Results(count, hits, _facets(entries) if facets else {}, [])
    if not query_terms:
        return Results(0, [], {}, [])
    total = SearchEntry.objects.count() or 1
    frequencies = dict(
        SearchPosting.objects.filter(term__in=query_terms)
        .values_list("term")
        .annotate(n=Count("id"))
        .values_list("term", "n")
    )
    idf = {t: math.log(1 + total / (1 + frequencies.get(t, 0))) for t in query_terms}
    matched = _score(entries, query_terms, idf, query.strip())
    hits = sorted(matched.values(), key=lambda h: (-h.score, h.resource_id))
    facet_counts = {}
    if facets and hits:
        matching = SearchPosting.objects.filter(term__in=query_terms).values("entry_id")
        facet_counts = _facets(entries.filter(resource_id__in=matching))
    return Results(len(hits), hits[offset : offset + limit], facet_counts, query_terms)


def _score(
    entries: QuerySet[SearchEntry], query_terms: list[str], idf: dict[str, float], phrase: str
) -> dict[int, Hit]:
    """Score every matching entry. Entries with more of the query's terms rank first: each term
    found adds 1000 to the score before the weighted idf sum."""
    postings = SearchPosting.objects.filter(term__in=query_terms, entry__in=entries).values_list(
        "entry_id", "term", "weight"
    )
    scores: dict[int, float] = defaultdict(float)
    found: dict[int, set[str]] = defaultdict(set)
    for entry_id, term, weight in postings.iterator(5000):
        scores[entry_id] += weight * idf[term]
        found[entry_id].add(term)
    named = set(entries.filter(name__icontains=phrase[:100]).values_list("resource_id", flat=True))
    return {
        pk: Hit(pk, 1000.0 * len(found[pk]) + score + (NAME_BONUS if pk in named else 0.0))
        for pk, score in scores.items()
    }


def _facets(entries: QuerySet[SearchEntry]) -> dict[str, list[tuple[Any, int]]]:
    counts: dict[str, list[tuple[Any, int]]] = {}
    for name in FACETS:
        column = "provider_id" if name == "provider" else name
        rows = entries.order_by().values_list(column).annotate(n=Count("resource_id"))
        counts[name] = sorted(((value, n) for value, n in rows), key=lambda r: (-r[1], str(r[0])))
    return counts
