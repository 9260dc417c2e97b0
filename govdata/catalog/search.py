"""Chinese full-text search of the published catalog (CAT-8), the same on SQLite and PostgreSQL.

Each published entry has a ``SearchEntry`` (the facets of its live version) and ``SearchPosting``
rows: the terms of its name, data items, code, provider, base or theme database, format and
summary, segmented with jieba, each with the weight of the field it was found in (a term in the
name counts most). Both are rewritten from the live version in the transaction that publishes a
version, so that search never shows a draft or a version still in review.

A query is normalised and cut into words the same way. An entry matches when the words it
holds make up more than half of the query's weight (each word weighs its rarity, idf), or when
its name contains the query as written. docs/catalog-search.md explains the ranking: relevance
(the fields the words are found in) times coverage (the share of the query found), plus a bonus
when the name contains the query, with base resources first among equals. Filters and facet
counts are computed over the same matches; each facet counts the matches of every *other*
filter, so that a visitor sees what choosing another value would give.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from govdata.core.errors import Invalid
from govdata.orgs.models import Organisation

from .choices import DataForm, Domain, OpenType, ResourceClass, ShareType, UpdateCycle
from .models import DataItem, Resource, ResourceVersion, SearchEntry, SearchPosting

# --- What is indexed, and how much it weighs ---------------------------------------------------

# Where a term is found, the letter that qualifies it in the index, and how much it weighs
# there. Like a field of a search engine, each posting is a qualified term ("n:人口" is 人口 in a
# name), so that a query reads the index alone (term and entry) and the weights stay settings
# of the query: changing them needs no reindexing. An entry keeps each term once, in the field
# where it weighs most.
FIELDS = {
    "name": ("n", 10.0),
    "code": ("c", 6.0),
    "item": ("i", 4.0),
    "provider": ("p", 3.0),
    "library": ("l", 3.0),
    "format": ("f", 2.0),
    "summary": ("s", 1.0),
}
WEIGHTS = {field: weight for field, (_code, weight) in FIELDS.items()}
_FIELD_WEIGHT = {code: weight for code, weight in FIELDS.values()}
NAME_WEIGHT = WEIGHTS["name"]
# The name contains the query as written; starts with it; is it.
PHRASE_BONUS, PREFIX_BONUS, EXACT_BONUS = 0.5, 0.1, 0.4
# CAT-2, B§9: base databases are the authoritative source of what they hold, so among equally
# good matches their entries come first, then the theme databases'.
CLASS_PRIOR: dict[str, float] = {
    ResourceClass.BASE: 1.1,
    ResourceClass.THEME: 1.05,
    ResourceClass.DEPARTMENT: 1.0,
}

MAX_QUERY_CHARS = 200  # a longer query is cut here
MAX_QUERY_TERMS = 16  # the first distinct terms of a query
MAX_TERM_CHARS = 62  # SearchPosting.term holds 64 with the field letter
MAX_FILTER_VALUES = 20  # values of one facet in one query
MAX_LIMIT = 100
MAX_OFFSET = 10_000

SCOPES = ("resource", "share", "open")
# Facet name → (SearchEntry column, its choices or None for organisations, label).
FACETS: dict[str, tuple[str, Any, Any]] = {
    "provider": ("provider_id", None, _("Provider")),
    "domain": ("domain", Domain, _("Domain")),
    "resource_class": ("resource_class", ResourceClass, _("Resource class")),
    "share_type": ("share_type", ShareType, _("Share type")),
    "open_type": ("open_type", OpenType, _("Open type")),
    "data_form": ("data_form", DataForm, _("Data form")),
    "update_cycle": ("update_cycle", UpdateCycle, _("Update cycle")),
}
# The public portal never shows how departments share among themselves.
PUBLIC_FACETS = [name for name in FACETS if name != "share_type"]

# Function words that match nearly every summary and say nothing about an entry.
STOP_WORDS = frozenset("的了和与及或等之其是在对于以并由将被把也而且从向按")
_IDENTIFIER = re.compile(r"[0-9a-z]+(?:[_.\-/][0-9a-z]+)+")
_SPACE = re.compile(r"\s+")

_lock = threading.Lock()
_jieba: Any = None


def _segmenter() -> Any:
    """jieba, loaded once per process (building its dictionary takes about half a second)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def normalise(text: str) -> str:
    """Text as search compares it: NFKC (full-width letters and digits become ASCII), lower
    case, without control, format or unpaired surrogate characters (PostgreSQL refuses NUL),
    runs of white space as one space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return _SPACE.sub(" ", text).strip()


def _searchable(token: str) -> bool:
    return any(ch.isalnum() for ch in token) and token not in STOP_WORDS


def _tokens(text: str) -> Iterator[str]:
    """jieba's search-mode segmentation (words and the dictionary words inside them) of
    normalised text, then whole identifiers such as ``reg_date`` or a resource code."""
    for token in _segmenter().cut_for_search(text):
        token = token.strip()
        if token and _searchable(token):
            yield token[:MAX_TERM_CHARS]
    for match in _IDENTIFIER.finditer(text):
        yield match.group()[:MAX_TERM_CHARS]


def terms(text: str) -> list[str]:
    """Search terms of a text, each once, in order of appearance."""
    if len(text) <= 40:
        return list(_short_terms(text))
    return list(dict.fromkeys(_tokens(normalise(text))))


@functools.lru_cache(maxsize=8192)
def _short_terms(text: str) -> tuple[str, ...]:
    # Names, data item labels and provider names repeat across a catalog: segment each once.
    return tuple(dict.fromkeys(_tokens(normalise(text))))


@dataclass(frozen=True)
class ParsedQuery:
    """A query as search uses it: its words, each with the dictionary words inside it (流动人口:
    流动, 人口 …), at most MAX_QUERY_TERMS terms in all; and the phrase names are compared with
    (the normalised query without spaces)."""

    text: str
    words: tuple[tuple[str, tuple[str, ...]], ...]
    phrase: str

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term the query looks up, each once."""
        return tuple(dict.fromkeys(t for word, parts in self.words for t in (word, *parts)))


def _words(text: str) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(position, word, its parts) of normalised text: jieba's words, and whole identifiers
    (``reg_date``, a resource code) whose pieces become their parts."""
    jieba = _segmenter()
    pieces = [(t.strip(), a, b) for t, a, b in jieba.tokenize(text, mode="search")]
    spans = []
    for match in _IDENTIFIER.finditer(text):
        a, b = match.span()
        spans.append((a, b))
        parts = (t[:MAX_TERM_CHARS] for t, x, y in pieces if a <= x and y <= b and _searchable(t))
        yield a, match.group()[:MAX_TERM_CHARS], tuple(dict.fromkeys(parts))
    for token, a, b in jieba.tokenize(text):
        token = token.strip()
        if not token or not _searchable(token) or any(x <= a and b <= y for x, y in spans):
            continue
        parts = (
            t[:MAX_TERM_CHARS]
            for t, x, y in pieces
            if a <= x and y <= b and (x, y) != (a, b) and _searchable(t)
        )
        yield a, token[:MAX_TERM_CHARS], tuple(p for p in dict.fromkeys(parts) if p != token)


def parse_query(query: str | None) -> ParsedQuery:
    """Never raises: any text gives at most MAX_QUERY_TERMS terms of at most MAX_TERM_CHARS."""
    text = normalise((query or "")[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
    words: dict[str, tuple[str, ...]] = {}
    seen: set[str] = set()
    for _position, word, parts in sorted(_words(text)) if text else ():
        if word in words:
            continue
        new = {word, *parts} - seen
        if len(seen) + len(new) > MAX_QUERY_TERMS:
            if words:
                break
            parts = parts[: MAX_QUERY_TERMS - 1]  # one word longer than the budget
        words[word] = parts
        seen |= {word, *parts}
    return ParsedQuery(text=text, words=tuple(words.items()), phrase=text.replace(" ", ""))


# --- Writing the index -----------------------------------------------------------------------------


def _document(
    resource: Resource, version: ResourceVersion, item_rows: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Term → the field where it weighs most in this entry."""
    best: dict[str, str] = {}

    def add(text: str, where: str) -> None:
        weight = WEIGHTS[where]
        for term in terms(text):
            if term not in best or WEIGHTS[best[term]] < weight:
                best[term] = where

    add(version.name, "name")
    add(resource.code, "code")
    for label, name in item_rows:
        add(label, "item")
        add(name, "item")
        add(name.replace("_", " "), "item")
    provider = resource.provider
    add(provider.name, "provider")
    if provider.short_name:
        add(provider.short_name, "provider")
    if resource.library_id:
        add(resource.library.name, "library")  # type: ignore[union-attr]
    add(version.data_format, "format")
    add(version.summary, "summary")
    return best


def _posting_rows(resource_id: int, document: dict[str, str]) -> Iterator[tuple[str, int, float]]:
    """(index term, entry, weight) of each term of a document."""
    for term, where in document.items():
        code, weight = FIELDS[where]
        yield f"{code}:{term}", resource_id, weight


def qualified(term: str) -> list[str]:
    """The index terms of a query term: the term in each field."""
    return [f"{code}:{term}" for code, _weight in FIELDS.values()]


def _entry_row(resource: Resource, version: ResourceVersion) -> SearchEntry:
    return SearchEntry(
        resource_id=resource.pk,
        name=version.name,
        provider_id=resource.provider_id,
        domain=version.domain,
        resource_class=resource.resource_class,
        share_type=version.share_type,
        open_type=version.open_type,
        data_form=version.data_form,
        update_cycle=version.update_cycle,
        # Set by the publishing service; a version published before it was recorded is dated
        # by its last edit.
        published_at=version.published_at or version.updated_at,
    )


def index_resource(resource: Resource) -> None:
    """Rewrite what search knows of an entry from its live version. The publishing service calls
    it inside its transaction, so that search never shows what was not published."""
    with transaction.atomic():
        SearchPosting.objects.filter(entry_id=resource.pk).delete()
        version = resource.live_version
        if version is None:
            SearchEntry.objects.filter(resource_id=resource.pk).delete()
            return
        row = _entry_row(resource, version)
        SearchEntry.objects.update_or_create(
            resource_id=resource.pk,
            defaults={
                f.attname: getattr(row, f.attname)
                for f in SearchEntry._meta.concrete_fields
                if not f.primary_key
            },
        )
        items = version.items.order_by("position").values_list("label", "name")
        SearchPosting.objects.bulk_create(
            SearchPosting(term=term, entry_id=entry_id, weight=weight)
            for term, entry_id, weight in _posting_rows(
                resource.pk, _document(resource, version, items)
            )
        )


def reindex_all(batch: int = 500) -> int:
    """Rebuild the whole index from the live versions (``manage.py catalog_reindex``), in one
    transaction so that searches never see it half built. Writes in batches: a city's catalog
    of tens of thousands of entries rebuilds in seconds, not minutes."""
    count = 0
    with transaction.atomic():
        # Nothing refers to these rows: delete them in one statement each, without collecting.
        SearchPosting.objects.all()._raw_delete(SearchPosting.objects.db)
        SearchEntry.objects.all()._raw_delete(SearchEntry.objects.db)
        ids = list(
            Resource.objects.filter(live_version__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), batch):
            chunk = list(
                Resource.objects.filter(pk__in=ids[start : start + batch])
                .select_related("provider", "library", "live_version")
                .order_by("pk")
            )
            items: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for version_id, label, name in (
                DataItem.objects.filter(version_id__in=[r.live_version_id for r in chunk])
                .order_by("version_id", "position")
                .values_list("version_id", "label", "name")
            ):
                items[version_id].append((label, name))
            entries: list[SearchEntry] = []
            postings: list[tuple[str, int, float]] = []
            for resource in chunk:
                version = resource.live_version
                assert version is not None
                entries.append(_entry_row(resource, version))
                postings.extend(
                    _posting_rows(resource.pk, _document(resource, version, items[version.pk]))
                )
            SearchEntry.objects.bulk_create(entries)
            _insert_postings(postings)
            count += len(chunk)
    _refresh_statistics()
    return count


def _refresh_statistics() -> None:
    """After a rebuild, PostgreSQL's planner knows nothing of the new rows until autovacuum
    comes by, and plans sequential scans meanwhile: analyse now, and vacuum too when outside a
    transaction, so that the index alone answers (index-only scans need the visibility map).
    SQLite plans these queries well without statistics."""
    if connection.vendor != "postgresql":
        return
    tables = [SearchPosting._meta.db_table, SearchEntry._meta.db_table]
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


def _insert_postings(rows: list[tuple[str, int, float]]) -> None:
    """Many postings in one executemany (STYLE.md: bulk data never goes row by row through the
    ORM; building half a million model objects costs more than the segmentation)."""
    quote = connection.ops.quote_name
    meta = SearchPosting._meta
    columns = ", ".join(quote(meta.get_field(f).column) for f in ("term", "entry", "weight"))  # type: ignore[union-attr, arg-type]
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- Querying ----------------------------------------------------------------------------------------

# An entry matches a query when the terms it holds make up more than this share of the query's
# weight (idf), or when its name contains the query as written: of two equally rare words, an
# entry must hold both; a common word may be missing.
MIN_COVERAGE = 0.5
# A term found in more than this share of the entries ("信息", "数据", the city's name) does not
# find entries by itself: it only adds to the score of entries found by rarer terms.
COMMON_SHARE = 0.25
# A word found only in pieces (流动 and 人口 for 流动人口) counts for the share of its characters
# found, and at most this much: the whole word always counts more.
PART_CREDIT = 0.8
# A word weighing less than this share of the query is not looked up.
NEGLIGIBLE = 0.01
# Candidate rows are read by key, at most this many at a time (databases bound parameters).
ID_BATCH = 500


@dataclass(frozen=True)
class Hit:
    resource_id: int
    score: float


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: list[FacetValue]


@dataclass
class Results:
    count: int
    hits: list[Hit]
    facets: list[Facet] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    query: str = ""


# A candidate row: the entry's id, then its facet values in the order of FACETS.
_FACET_COLUMNS = tuple(column for column, _c, _l in FACETS.values())
_FACET_INDEX = {name: 1 + i for i, name in enumerate(FACETS)}
_CLASS_INDEX = _FACET_INDEX["resource_class"]


def clean_filters(raw: Mapping[str, Any] | None) -> dict[str, frozenset[str]]:
    """Facet name → the values asked for (any of them matches). Raises Invalid, naming the
    facet, for a value that is not one of its choices, and for an unknown facet."""
    cleaned: dict[str, frozenset[str]] = {}
    problems: dict[str, str] = {}
    for name, value in (raw or {}).items():
        if value is None or value == "" or (not isinstance(value, str | int) and not value):
            continue
        if name not in FACETS:
            problems[name] = str(_("Not a filter of the catalog."))
            continue
        values = [value] if isinstance(value, str | int) else list(value)
        if len(values) > MAX_FILTER_VALUES:
            problems[name] = str(_("At most %(n)d values.") % {"n": MAX_FILTER_VALUES})
            continue
        _column, choices, _label = FACETS[name]
        texts = {str(v).strip() for v in values if str(v).strip()}
        if choices is None:
            if not all(t.isascii() and t.isdigit() and 0 < len(t) <= 18 for t in texts):
                problems[name] = str(_("Organisation ids are whole numbers."))
                continue
            texts = {str(int(t)) for t in texts}
        elif not texts <= set(choices.values):
            problems[name] = str(_("Not one of the allowed values."))
            continue
        if texts:
            cleaned[name] = frozenset(texts)
    if problems:
        raise Invalid(_("A filter is not valid."), code="invalid_filter", fields=problems)
    return cleaned


def _in_scope(scope: str) -> QuerySet[SearchEntry]:
    """CAT-2: the resource catalog is every published entry; the share catalog leaves out what is
    not shared; the open catalog leaves out what is not open."""
    entries = SearchEntry.objects.all()
    if scope == "share":
        return entries.exclude(share_type=ShareType.NONE)
    if scope == "open":
        return entries.exclude(open_type=OpenType.NONE)
    return entries


def _idf(total: int, frequency: int) -> float:
    """BM25's inverse document frequency: rare terms weigh more, a term in every entry nearly
    nothing; never negative."""
    return math.log(1.0 + (total - frequency + 0.5) / (frequency + 0.5))


@dataclass
class _TermMatches:
    scores: dict[int, float] = field(default_factory=dict)  # entry → relevance × coverage
    holders: QuerySet[SearchPosting] | None = None  # postings read: their entries hold a term
    holders_at_most: int = 0  # how many entries those postings can name
    total: int = 0  # entries in the index


def _term_matches(parsed: ParsedQuery) -> _TermMatches:
    """Entries holding more than MIN_COVERAGE of the query's words, with their term score,
    relevance × coverage (docs/catalog-search.md). A word counts whole when the entry holds it,
    in part when it holds some of the words inside it. Reads the index only (term and entry),
    never the entries; the caller keeps those in the scope."""
    frequency: dict[str, int] = defaultdict(int)
    for index_term, n in (
        SearchPosting.objects.filter(term__in=[q for t in parsed.terms for q in qualified(t)])
        .values_list("term")
        .annotate(n=Count("entry_id"))
        .values_list("term", "n")
    ):
        frequency[index_term[2:]] += n  # an entry holds a term in one field only
    if not frequency:
        return _TermMatches()
    total = max(SearchEntry.objects.count(), max(frequency.values()))
    idf = {t: _idf(total, n) for t, n in frequency.items()}

    # Each known word: its weight (the rarity of the word, or of its rarest part when the index
    # never holds the word whole) and how much each of its terms gives of it: all of it for the
    # word, the share of its characters for a part.
    weights: list[float] = []
    # term → [(word, whole or part, share of the word)]
    gives: dict[str, list[tuple[int, bool, float]]] = defaultdict(list)
    word_terms: list[list[str]] = []
    for word, parts in parsed.words:
        known = [p for p in parts if p in idf]
        if word not in idf and not known:
            continue
        index = len(weights)
        weights.append(idf[word] if word in idf else max(idf[p] for p in known))
        if word in idf:
            gives[word].append((index, True, 1.0))
        for part in known:
            gives[part].append((index, False, len(part) / len(word)))
        word_terms.append([t for t in (word, *known) if t in idf])
    mass = sum(weights)
    if not weights or mass <= 0:
        return _TermMatches()
    # A word in nearly every entry (the city's name in every provider's) cannot change the
    # order: it is not looked up at all.
    for index, weight in enumerate(weights):
        if weight < NEGLIGIBLE * mass:
            for term in word_terms[index]:
                gives[term] = [g for g in gives[term] if g[0] != index]
                if not gives[term]:
                    del gives[term]
            word_terms[index] = []

    # Common words (in more than COMMON_SHARE of the entries) find nothing on their own when
    # they weigh at most MIN_COVERAGE: their postings are read for entries holding a rarer one.
    common = {
        i
        for i, terms in enumerate(word_terms)
        if terms and min(frequency[t] for t in terms) > COMMON_SHARE * total
    }
    rare_terms = sorted({t for i, terms in enumerate(word_terms) if i not in common for t in terms})
    batches = []
    if rare_terms and sum(weights[i] for i in common) <= MIN_COVERAGE * mass:
        holders = SearchPosting.objects.filter(
            term__in=[q for t in rare_terms for q in qualified(t)]
        )
        batches.append(holders)
        common_terms = sorted({t for i in common for t in word_terms[i]} - set(rare_terms))
        if common_terms:
            batches.append(
                SearchPosting.objects.filter(
                    term__in=[q for t in common_terms for q in qualified(t)],
                    entry_id__in=holders.values("entry_id"),
                )
            )
        at_most = sum(frequency[t] for t in rare_terms)
    else:
        every = sorted(gives)
        holders = SearchPosting.objects.filter(term__in=[q for t in every for q in qualified(t)])
        batches.append(holders)
        at_most = sum(frequency[t] for t in every)

    # Per entry and word: [field weight of the whole word, Σ share of its parts, Σ share × weight].
    held: dict[int, dict[int, list[float]]] = defaultdict(dict)
    rows = (row for batch in batches for row in batch.values_list("entry_id", "term").order_by())
    for entry_id, index_term in rows:
        weight = _FIELD_WEIGHT[index_term[0]]
        for index, whole, share in gives[index_term[2:]]:
            state = held[entry_id].setdefault(index, [0.0, 0.0, 0.0])
            if whole:
                state[0] = weight
            else:
                state[1] += share
                state[2] += share * weight
    scores: dict[int, float] = {}
    for entry_id, states in held.items():
        found = relevant = 0.0
        for index, (whole_weight, share_found, share_weighted) in states.items():
            if whole_weight:
                found += weights[index]
                relevant += weights[index] * whole_weight
            else:
                credit = min(1.0, share_found) * PART_CREDIT
                found += weights[index] * credit
                relevant += weights[index] * credit * share_weighted / share_found
        if found > MIN_COVERAGE * mass + 1e-9:
            scores[entry_id] = (relevant / (NAME_WEIGHT * mass)) * (found / mass)
    return _TermMatches(
        scores=scores, holders=holders, holders_at_most=min(at_most, total), total=total
    )


_ROW_COLUMNS = ("resource_id", *_FACET_COLUMNS)


def _rows(
    entries: QuerySet[SearchEntry], ids: set[int], terms: _TermMatches, by_name: set[int]
) -> list[tuple[Any, ...]]:
    """The candidate rows of these entries in the scope, read the cheapest way: by key when
    they are few; through the postings read when those name fewer than half the catalog;
    else by one scan of the scope. Reading rows costs more than reading the index."""
    if len(ids) <= ID_BATCH:
        return list(entries.filter(resource_id__in=ids).values_list(*_ROW_COLUMNS).order_by())
    if terms.holders is not None and terms.holders_at_most <= terms.total // 2:
        read = entries.filter(resource_id__in=terms.holders.values("entry_id"))
        rows = list(read.values_list(*_ROW_COLUMNS).order_by())
        seen = {row[0] for row in rows}
        missing = [pk for pk in by_name if pk not in seen]  # found by their name only
        for start in range(0, len(missing), ID_BATCH):
            batch = missing[start : start + ID_BATCH]
            rows += entries.filter(resource_id__in=batch).values_list(*_ROW_COLUMNS).order_by()
    else:
        rows = list(entries.values_list(*_ROW_COLUMNS).order_by())
    return [row for row in rows if row[0] in ids]


def _phrase_matches(parsed: ParsedQuery, entries: QuerySet[SearchEntry]) -> dict[int, float]:
    """Entries whose name contains the query as written → the bonus that earns: more when the
    query is more of the name, and more still when the name starts with it or is it."""
    if not parsed.phrase or not _searchable(parsed.phrase):
        return {}
    phrase = parsed.phrase
    bonus = {}
    for entry_id, name in entries.filter(name__icontains=phrase).values_list("resource_id", "name"):
        name = normalise(name).replace(" ", "")
        if phrase not in name:
            continue
        score = PHRASE_BONUS * (0.5 + 0.5 * len(phrase) / len(name))
        if name.startswith(phrase):
            score += PREFIX_BONUS + (EXACT_BONUS if name == phrase else 0.0)
        bonus[entry_id] = score
    return bonus


def search(
    query: str | None = "",
    *,
    scope: str = "resource",
    filters: Mapping[str, Any] | None = None,
    offset: int = 0,
    limit: int | None = None,
    facets: bool = True,
    facet_names: Iterable[str] | None = None,
) -> Results:
    """Entries of the catalog ``scope`` ("resource", "share" or "open", CAT-2) matching ``query``
    and ``filters`` (facet name → value or values), best first, with facet counts. Without a
    query, entries come newest published first. Raises Invalid for a bad scope or filter."""
    if scope not in SCOPES:
        raise Invalid(
            _("Unknown catalog."), code="invalid_scope", fields={"scope": _("Unknown catalog.")}
        )
    chosen = clean_filters(filters)
    limit = max(1, min(limit or settings.CATALOG_SEARCH_PAGE, MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET))
    parsed = parse_query(query)
    wanted = [n for n in (facet_names or FACETS) if n in FACETS] if facets else []
    entries = _in_scope(scope)

    scores: dict[int, float] = {}
    if parsed.empty:
        rows = list(entries.values_list(*_ROW_COLUMNS).order_by())
    else:
        found = _term_matches(parsed) if parsed.terms else _TermMatches()
        scores = found.scores
        bonus = _phrase_matches(parsed, entries)
        for pk, extra in bonus.items():
            scores[pk] = scores.get(pk, 0.0) + extra
        rows = _rows(entries, set(scores), found, set(bonus))

    kept, counts = _filter_and_count(rows, chosen, wanted)
    if parsed.empty:
        order = _filtered(entries, chosen).order_by("-published_at", "-resource_id")
        ids = list(order.values_list("resource_id", flat=True)[offset : offset + limit])
        hits = [Hit(pk, 0.0) for pk in ids]
    else:
        ranked = sorted(
            ((scores[r[0]] * CLASS_PRIOR.get(r[_CLASS_INDEX], 1.0), r[0]) for r in kept),
            key=lambda pair: (-pair[0], -pair[1]),
        )
        hits = [Hit(pk, round(score, 4)) for score, pk in ranked[offset : offset + limit]]
    return Results(
        count=len(kept),
        hits=hits,
        facets=_labelled(counts, chosen) if facets else [],
        terms=list(parsed.terms),
        query=parsed.text,
    )


def _filter_and_count(
    rows: list[tuple[Any, ...]], chosen: dict[str, frozenset[str]], wanted: list[str]
) -> tuple[list[tuple[Any, ...]], dict[str, Counter[Any]]]:
    """The rows passing every filter, and the facet counts: a facet without a filter counts the
    rows kept; a facet with one counts the rows passing every *other* filter, so that it shows
    what choosing another of its values would give."""
    passes: dict[str, list[bool]] = {}
    for name, values in chosen.items():
        index = _FACET_INDEX[name]
        typed = {int(v) for v in values} if FACETS[name][1] is None else set(values)
        passes[name] = [row[index] in typed for row in rows]
    kept = list(compress(rows, map(all, zip(*passes.values(), strict=True)))) if passes else rows
    counts: dict[str, Counter[Any]] = {}
    for name in wanted:
        value = itemgetter(_FACET_INDEX[name])
        if name not in passes:
            counts[name] = Counter(map(value, kept))
            continue
        others = [flags for other, flags in passes.items() if other != name]
        if others:
            ok = [all(flags) for flags in zip(*others, strict=True)]
            counts[name] = Counter(map(value, compress(rows, ok)))
        else:
            counts[name] = Counter(map(value, rows))
    return kept, counts


def _filtered(entries: QuerySet[SearchEntry], chosen: dict[str, frozenset[str]]) -> QuerySet:
    for name, values in chosen.items():
        entries = entries.filter(**{f"{FACETS[name][0]}__in": sorted(values)})
    return entries


def _labelled(
    counted: Mapping[str, Mapping[Any, int]], chosen: dict[str, frozenset[str]]
) -> list[Facet]:
    """Facet values with their labels (organisation names in one query), most matches first;
    a chosen value is listed even when nothing matches it any more."""
    counts = {name: dict(by_value) for name, by_value in counted.items()}
    for name, values in chosen.items():
        if name in counts:
            as_column: Any = int if FACETS[name][1] is None else str
            for value in values:
                counts[name].setdefault(as_column(value), 0)
    names: dict[Any, str] = {}
    if counts.get("provider"):
        names = dict(
            Organisation.objects.filter(pk__in=list(counts["provider"])).values_list("pk", "name")
        )
    out = []
    for name, by_value in counts.items():
        _column, choices, label = FACETS[name]
        labels = names if choices is None else {c.value: str(c.label) for c in choices}
        selected = chosen.get(name, frozenset())
        listed = [
            FacetValue(
                value=str(value),
                label=labels.get(value, str(value)),
                count=n,
                selected=str(value) in selected,
            )
            for value, n in by_value.items()
        ]
        listed.sort(key=lambda v: (-v.count, v.label))
        out.append(Facet(name=name, label=str(label), values=listed))
    return out


# --- Showing hits ------------------------------------------------------------------------------------


@dataclass
class ListedEntry:
    """A hit with what a result list shows of its entry."""

    resource: Resource
    version: ResourceVersion
    score: float
    snippet: list[tuple[str, bool]]

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _match in self.snippet)


def listed(results: Results, width: int = 90) -> list[ListedEntry]:
    """The page of hits with their entries and live versions, in one query, in rank order."""
    ids = [hit.resource_id for hit in results.hits]
    resources = {
        r.pk: r
        for r in Resource.objects.filter(pk__in=ids, live_version__isnull=False).select_related(
            "provider", "live_version", "library"
        )
    }
    out = []
    for hit in results.hits:
        resource = resources.get(hit.resource_id)
        if resource is None:  # unpublished since the index was read
            continue
        version = resource.live_version
        assert version is not None
        out.append(
            ListedEntry(
                resource=resource,
                version=version,
                score=hit.score,
                snippet=snippet(version.summary, results.terms, width),
            )
        )
    return out


def snippet(text: str, found: Iterable[str], width: int = 90) -> list[tuple[str, bool]]:
    """About ``width`` characters of ``text`` around the first term found, as (text, is_match)
    pieces, with an ellipsis where the text is cut."""
    text = _SPACE.sub(" ", text or "").strip()
    wanted = sorted({t for t in found if t}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE) if wanted else None
    first = pattern.search(text) if pattern else None
    start = 0
    if first is not None and first.start() > width // 3:
        start = first.start() - width // 4
    window = text[start : start + width]
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    position = 0
    for match in pattern.finditer(window) if pattern else ():
        if match.start() > position:
            pieces.append((window[position : match.start()], False))
        pieces.append((match.group(), True))
        position = match.end()
    if position < len(window):
        pieces.append((window[position:], False))
    if start + width < len(text):
        pieces.append(("…", False))
    return pieces
