"""The synthetic corpus: a deterministic plan (users, sources) and a stream of row batches
(articles, captures, claims, appearances, annotations, their tags, evidence).

Rows are plain tuples in the column order of `COLUMNS`, with explicit ids from the `IdStart`
the loader gives, so the same seed always yields the same rows and the loader can COPY them
straight in. Each batch also names the claims it settles (`SETTLED`): those no later batch
adds a row to, whose published document can be made at once. Proportions (per claim, on
average): 0.29 articles, 1.12 appearances, 1.28 annotations (78 % published), 1.6 tags per
annotation, 0.65 evidence per annotation.
"""

import bisect
import datetime as dt
import functools
import hashlib
import itertools
import json
import random
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from . import text

GENERATOR_VERSION = 2
EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600  # the corpus covers two years of coverage
CONTEXT_LENGTH = 32  # annotations.services.STORED_CONTEXT_LENGTH: a TextQuoteSelector's context
EXTRACTOR = "bench-corpus"

# Each table's columns, in the order of its rows' tuples.
COLUMNS = {
    table: columns.split()
    for table, columns in {
        "archive_article": (
            "id source_id url title authors published_at language created_at updated_at"
        ),
        "archive_capture": (
            "id article_id captured_at text sha256 raw raw_content_type origin origin_location "
            "warc_record_id redirects extractor created_at captured_by_name replacement"
        ),
        "annotations_claim": (
            "id text language claimant created_by_id created_at updated_at deleted_at"
        ),
        "annotations_appearance": (
            "id claim_id capture_id start end quote prefix suffix anchor_status anchor_method "
            "anchor_score created_by_id created_at updated_at"
        ),
        "annotations_annotation": (
            "id claim_id author_id confidence verdict rationale status review_comment "
            "reviewed_by_id reviewed_at published_at version created_at updated_at deleted_at"
        ),
        "annotations_annotation_tags": "id annotation_id tag_id",
        "annotations_evidence": (
            "id annotation_id kind url capture_id quote document stance note added_by_id "
            "created_at deleted_at"
        ),
    }.items()
}
# Insertion order: every row's foreign keys point at rows of earlier tables (or batches).
TABLES = list(COLUMNS)
# A batch's key (beside its tables) for the ids of the claims it settles.
SETTLED = "settled_claims"

CLAIMS_PER_ARTICLE = (1, 2, 2, 3, 3, 3, 4, 4, 5, 6)
ANNOTATIONS_PER_CLAIM = ((0, 1, 2, 3), (10, 60, 22, 8))
STATUSES = (("published", "submitted", "draft", "returned"), (78, 8, 9, 5))
VERDICTS = (
    ("", "accurate", "mostly-accurate", "misleading", "false", "unverifiable"),
    (20, 18, 14, 18, 12, 18),
)
TAGS_PER_ANNOTATION = ((1, 2, 3), (55, 30, 15))
EVIDENCE_PER_ANNOTATION = ((0, 1, 2), (50, 35, 15))
STANCES = (("supports", "contradicts", "context"), (50, 25, 25))
EVIDENCE_DOMAINS = ["factcheck.example.org", "gov.example.kg", "data.example.int", "wire.example"]
REAPPEARANCE_SHARE = 0.12  # articles that repeat a claim already in the archive
REAPPEARANCE_WINDOW = 200  # a repeated claim is one of the last 200 new ones in its language
RECAPTURE_SHARE = 0.05  # articles captured twice (an update appended)
DELETED_CLAIM_SHARE = 0.005
REWORDED_CLAIM_SHARE = 0.10  # claims whose normalised wording differs from the quote
CLAIMANT_SHARE = 0.3
UPDATE_MARKERS = {
    "fr": "Mise à jour :",
    "en": "Update:",
    "ru": "Обновление:",
    "de": "Aktualisierung:",
    "es": "Actualización:",
    "uk": "Оновлення:",
    "kk": "Жаңарту:",
    "ky": "Жаңыртуу:",
}
COUNTRIES = {
    "fr": "FR",
    "en": "GB",
    "ru": "RU",
    "de": "DE",
    "es": "ES",
    "uk": "UA",
    "kk": "KZ",
    "ky": "KG",
}


@dataclass(frozen=True)
class UserSpec:
    id: int
    username: str
    role: str  # "journalists" or "editors"


@dataclass(frozen=True)
class SourceSpec:
    id: int
    name: str
    slug: str
    domain: str
    country: str
    language: str


@dataclass
class Plan:
    """What the corpus is made of, before any row is generated."""

    claims: int
    seed: int
    journalists: list[UserSpec]
    editors: list[UserSpec]
    sources: list[SourceSpec]
    tag_ids: list[int]
    planted: dict[str, set[int]] = field(default_factory=dict)

    @property
    def users(self) -> list[UserSpec]:
        return [*self.journalists, *self.editors]


@dataclass
class IdStart:
    """The first id to use in each table (the loader reads them from the database)."""

    user: int = 1
    source: int = 1
    next_ids: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 1))


def make_plan(claims: int, seed: int, tag_ids: list[int], start: IdStart) -> Plan:
    if claims < 1:
        raise ValueError(f"The corpus needs at least one claim, not {claims}.")
    if not tag_ids:
        raise ValueError("The corpus needs the tag vocabulary: run load_seeds first.")
    rng = random.Random(f"{seed}:plan")
    n_journalists = max(6, min(300, claims // 3000))
    n_editors = max(3, n_journalists // 4)
    journalists = [
        UserSpec(start.user + i, f"bench-journalist-{i + 1:03d}", "journalists")
        for i in range(n_journalists)
    ]
    editors = [
        UserSpec(start.user + n_journalists + i, f"bench-editor-{i + 1:03d}", "editors")
        for i in range(n_editors)
    ]
    n_sources = max(len(text.LANGUAGE_SHARES), min(400, claims // 2500))
    languages = list(text.LANGUAGE_SHARES)
    sources = []
    for i in range(n_sources):
        # Every language has at least one outlet; beyond that, by share.
        language = (
            languages[i]
            if i < len(languages)
            else rng.choices(languages, weights=list(text.LANGUAGE_SHARES.values()))[0]
        )
        slug = f"bench-outlet-{i + 1:03d}"
        sources.append(
            SourceSpec(
                id=start.source + i,
                name=f"Bench Outlet {i + 1:03d} ({language})",
                slug=slug,
                domain=f"{slug}.example.org",
                country=COUNTRIES[language],
                language=language,
            )
        )
    # Claim numbers (0-based) that carry each planted term: exact counts at every size.
    picker = random.Random(f"{seed}:planted")
    count = text.rare_term_count(claims)
    pool = picker.sample(range(claims), min(claims, count * len(text.RARE_TERMS)))
    planted = {
        term: set(pool[i * count : (i + 1) * count]) for i, term in enumerate(text.RARE_TERMS)
    }
    phrase_count = max(1, round(claims * text.PHRASE_SHARE))
    planted[text.PHRASE] = set(picker.sample(range(claims), min(claims, phrase_count)))
    return Plan(claims, seed, journalists, editors, sources, sorted(tag_ids), planted)


def at(seconds: float) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=int(seconds))


@functools.cache
def _cumulative(weights: tuple) -> tuple[list[float], float]:
    cum = list(itertools.accumulate(weights))
    return cum, cum[-1]


def _weighted(rng: random.Random, spec: tuple) -> object:
    """One of spec's values, by spec's weights (cumulative weights computed once)."""
    values, weights = spec
    cum, total = _cumulative(tuple(weights))
    return values[bisect.bisect_right(cum, rng.random() * total)]


def generate(plan: Plan, start: IdStart, *, articles_per_batch: int = 1000) -> Iterator[dict]:
    """Batches of rows, {table: [row, …]} in `TABLES` order, until `plan.claims` claims;
    under `SETTLED`, the ids of the claims no later batch adds an appearance (or any row) to:
    those that left the window of claims an article may repeat, and in the last batch all the
    others."""
    rng = random.Random(f"{plan.seed}:corpus")
    vocabularies = text.vocabularies(plan.seed)
    ids = dict(start.next_ids)
    authors = plan.users
    editors = plan.editors
    tag_weights = (plan.tag_ids, tuple(1 / (rank + 1) for rank in range(len(plan.tag_ids))))
    recent_claims = {
        language: deque(maxlen=REAPPEARANCE_WINDOW) for language in text.LANGUAGE_SHARES
    }
    recent_quotes: deque = deque(maxlen=500)  # (capture id, quote) that evidence can cite
    # Outlets weighted so that each language gets its share of the articles.
    per_language = Counter(source.language for source in plan.sources)
    source_weights = (
        plan.sources,
        tuple(text.LANGUAGE_SHARES[s.language] / per_language[s.language] for s in plan.sources),
    )
    batch = _empty_batch()
    claim_no = 0
    article_no = 0

    def next_id(table: str) -> int:
        value = ids[table]
        ids[table] = value + 1
        return value

    while claim_no < plan.claims:
        source = _weighted(rng, source_weights)
        language = source.language if rng.random() < 0.9 else rng.choice(list(vocabularies))
        vocabulary = vocabularies[language]
        published = at(SPAN_SECONDS * claim_no / plan.claims + rng.uniform(0, 3600))
        article_id = next_id("archive_article")
        url = (
            ""
            if rng.random() < 0.02
            else f"https://{source.domain}/{published:%Y/%m}/{article_id}-{article_no}"
        )
        byline = [rng.choice(text.PERSON_NAMES)] if rng.random() < 0.8 else []
        batch["archive_article"].append(
            (
                article_id,
                source.id,
                url,
                text.title(rng, vocabulary),
                _json_list(byline),
                published,
                language,
                published,
                published,
            )
        )

        # The article's sentences; some of them are claims (new ones, and maybe one repeated).
        new_claims = min(plan.claims - claim_no, rng.choice(CLAIMS_PER_ARTICLE))
        n_sentences = new_claims + rng.randint(3, 10)
        positions = sorted(rng.sample(range(n_sentences), new_claims))
        # One draw for the whole article: the per-call cost of choices() dominates otherwise.
        lengths = [rng.randint(8, 24) for _ in range(n_sentences)]
        words = vocabulary.draw(rng, sum(lengths))
        sentences = []
        for length in lengths:
            sentence_words, words = words[:length], words[length:]
            sentences.append(text.sentence(rng, vocabulary, length, words=sentence_words))
        # (sentence index, existing claim id, its creator) for a repeated claim;
        # (sentence index, None, whether it must be published) for a new one.
        marked: list[tuple[int, int | None, UserSpec | bool]] = []
        for index in positions:
            planted = _planted_words(plan, claim_no, rng)
            if planted:
                sentences[index] = text.sentence(rng, vocabulary, rng.randint(8, 24), planted)
            # Claims carrying a rare term or the phrase must be findable by everyone.
            findable = any(claim_no in numbers for numbers in plan.planted.values())
            marked.append((index, None, findable))
            claim_no += 1
        if recent_claims[language] and rng.random() < REAPPEARANCE_SHARE:
            claim_id, quote, claim_author = rng.choice(recent_claims[language])
            free = [i for i in range(n_sentences) if i not in positions]
            if free:
                index = rng.choice(free)
                sentences[index] = quote
                marked.append((index, claim_id, claim_author))
        body, spans = _assemble(rng, vocabulary, sentences)

        captures = [(body, published + dt.timedelta(minutes=rng.randint(5, 600)))]
        if rng.random() < RECAPTURE_SHARE:
            update = f"{UPDATE_MARKERS[language]} {text.sentence(rng, vocabulary, 12)}"
            captures.append((f"{body}\n\n{update}", captures[0][1] + dt.timedelta(days=1)))
        capture_id = None
        for capture_text, captured_at in captures:
            capture_id = next_id("archive_capture")
            batch["archive_capture"].append(
                (
                    capture_id,
                    article_id,
                    captured_at,
                    capture_text,
                    hashlib.sha256(capture_text.encode()).hexdigest(),
                    b"",
                    "",
                    "file",
                    f"corpus/{article_id}.txt",
                    "",
                    "[]",
                    EXTRACTOR,
                    captured_at,
                    "import",
                    False,
                )
            )
        latest_text, latest_at = captures[-1]
        method = "selection" if len(captures) == 1 else "exact"

        for index, existing, detail in marked:
            begin, end = spans[index]
            quote = latest_text[begin:end]
            marked_at = latest_at + dt.timedelta(minutes=rng.randint(10, 3000))
            if existing is None:
                creator = rng.choice(authors)
                claim_id = next_id("annotations_claim")
                wording = quote
                if rng.random() < REWORDED_CLAIM_SHARE:
                    wording = quote.rstrip(".!?") or quote
                last_change, claim_rows = _assessments(
                    rng, plan, batch, next_id, claim_id, creator, marked_at, language,
                    vocabularies, authors, editors, tag_weights, recent_quotes,
                    published=detail,
                )  # fmt: skip
                deleted = None
                if rng.random() < DELETED_CLAIM_SHARE:
                    deleted = marked_at + dt.timedelta(days=2)
                batch["annotations_claim"].append(
                    (
                        claim_id,
                        wording,
                        language,
                        rng.choice(text.PERSON_NAMES) if rng.random() < CLAIMANT_SHARE else "",
                        creator.id,
                        marked_at,
                        max(last_change, deleted or last_change),
                        deleted,
                    )
                )
                batch["annotations_annotation"].extend(claim_rows)
                recent = recent_claims[language]
                if len(recent) == recent.maxlen:
                    # It leaves the window: no later article repeats it. (An article's repeated
                    # claim, chosen before its new ones, gets its row in this same batch.)
                    batch[SETTLED].append(recent[0][0])
                recent.append((claim_id, quote, creator))
            else:
                claim_id, creator = existing, detail
            prefix = latest_text[max(0, begin - CONTEXT_LENGTH) : begin]
            suffix = latest_text[end : end + CONTEXT_LENGTH]
            batch["annotations_appearance"].append(
                (
                    next_id("annotations_appearance"),
                    claim_id,
                    capture_id,
                    begin,
                    end,
                    quote,
                    prefix,
                    suffix,
                    "anchored",
                    method,
                    1.0,
                    creator.id,
                    marked_at,
                    marked_at,
                )
            )
            recent_quotes.append((capture_id, quote))

        article_no += 1
        if article_no % articles_per_batch == 0:
            yield batch
            batch = _empty_batch()
    for recent in recent_claims.values():
        batch[SETTLED].extend(claim_id for claim_id, _, _ in recent)
    if any(batch.values()):
        yield batch


def _empty_batch() -> dict[str, list]:
    return {**{table: [] for table in TABLES}, SETTLED: []}


def _planted_words(plan: Plan, claim_no: int, rng: random.Random) -> tuple[str, ...]:
    words: list[str] = []
    for term, numbers in plan.planted.items():
        if claim_no in numbers:
            words.extend(term.split())
    if rng.random() < text.COMMON_TERM_SHARE:
        words.append(text.COMMON_TERM)
    return tuple(words)


def _assemble(
    rng: random.Random, vocabulary: text.Vocabulary, sentences: list[str]
) -> tuple[str, list[tuple[int, int]]]:
    """The article body (paragraphs of 2–5 sentences, maybe a photo caption) and each
    sentence's span in it, in code points."""
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    index = 0
    first = True
    while index < len(sentences):
        if not first:
            pieces.append("\n\n")
            length += 2
        size = rng.randint(2, 5)
        for j, sentence in enumerate(sentences[index : index + size]):
            if j:
                pieces.append(" ")
                length += 1
            spans.append((length, length + len(sentence)))
            pieces.append(sentence)
            length += len(sentence)
        index += size
        if first and rng.random() < 0.3:
            caption = text.caption(rng, vocabulary)
            pieces.append("\n\n" + caption)
            length += 2 + len(caption)
        first = False
    return "".join(pieces), spans


def _assessments(
    rng, plan, batch, next_id, claim_id, creator, marked_at, language, vocabularies,
    authors, editors, tag_weights, recent_quotes, published=False,
):  # fmt: skip
    """The claim's annotations (rows), with their tags and evidence appended to `batch`;
    returns the time of the last change and the annotation rows. With `published`, the
    first one is published (claims planted for search must be findable by everyone)."""
    count = _weighted(rng, ANNOTATIONS_PER_CLAIM)
    if published:
        count = max(1, count)
    annotators = rng.sample(authors, count)
    vocabulary = vocabularies[language]
    rows = []
    last_change = marked_at
    for number, author in enumerate(annotators):
        annotation_id = next_id("annotations_annotation")
        status = "published" if published and number == 0 else _weighted(rng, STATUSES)
        created = marked_at + dt.timedelta(minutes=rng.randint(5, 4000))
        updated = created + dt.timedelta(minutes=rng.randint(0, 600))
        reviewer = reviewed_at = published_at = None
        review_comment = ""
        version = {"draft": 1, "submitted": 2, "published": 3, "returned": 3}[status]
        if status in ("published", "returned"):
            reviewer = rng.choice([e for e in editors if e.id != author.id])
            reviewed_at = updated
            if status == "published":
                published_at = updated
            else:
                review_comment = text.sentence(rng, vocabulary, rng.randint(6, 14))
        confidence = Decimal(f"{min(1.0, rng.betavariate(5, 2)):.3f}")
        rows.append(
            (
                annotation_id,
                claim_id,
                author.id,
                confidence,
                "" if status == "draft" and rng.random() < 0.5 else _weighted(rng, VERDICTS),
                text.sentence(rng, vocabulary, rng.randint(10, 30)),
                status,
                review_comment,
                reviewer.id if reviewer else None,
                reviewed_at,
                published_at,
                version,
                created,
                updated,
                None,
            )
        )
        last_change = max(last_change, updated)
        n_tags = _weighted(rng, TAGS_PER_ANNOTATION)
        tags = set()
        while len(tags) < min(n_tags, len(plan.tag_ids)):
            tags.add(_weighted(rng, tag_weights))
        for tag_id in sorted(tags):
            batch["annotations_annotation_tags"].append(
                (next_id("annotations_annotation_tags"), annotation_id, tag_id)
            )
        for _ in range(_weighted(rng, EVIDENCE_PER_ANNOTATION)):
            if recent_quotes and rng.random() < 0.25:
                capture_id, quote = rng.choice(recent_quotes)
                kind, url = "capture", ""
            else:
                capture_id, quote = None, ""
                kind = "url"
                url = f"https://{rng.choice(EVIDENCE_DOMAINS)}/{claim_id}/{rng.randrange(10**6)}"
            batch["annotations_evidence"].append(
                (
                    next_id("annotations_evidence"),
                    annotation_id,
                    kind,
                    url,
                    capture_id,
                    quote,
                    "",
                    _weighted(rng, STANCES),
                    "" if rng.random() < 0.6 else text.sentence(rng, vocabulary, 8),
                    author.id,
                    created + dt.timedelta(minutes=rng.randint(1, 120)),
                    None,
                )
            )
    return last_change, rows


def _json_list(items: list[str]) -> str:
    return json.dumps(items, ensure_ascii=False)
