"""The published read model of the synthetic corpus, made beside it: each claim an anonymous
reader may see, rendered from its generated rows by the product's own representation
(`publication.representations`, `publication.published.render`), so that the loader COPYs the
documents with the rows instead of reading every row back as `manage.py rebuild_published`
does (a few thousand claims a second).

A claim's document is made once its batch says the claim is settled (`corpus.SETTLED`): no
later batch adds a row to it. Until then the claim waits with what it shows so far.
`load.build` checks a sample of the stored documents against the live representation."""

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from annotations.models import Tag
from publication import published
from publication import representations as rep

from . import corpus

TABLE = "annotations_publishedclaim"
COLUMNS = ["claim_id", "document"]
# A batch's key for the seconds (of CPU) spent making its documents.
RENDER_SECONDS = "documents_render_seconds"
# The one status an anonymous reader sees (annotations.visibility.annotations).
PUBLISHED = "published"


@dataclass
class _Claim:
    """A visible-so-far claim waiting to be settled: its row and what its document shows."""

    row: dict
    appearances: list[dict] = field(default_factory=list)
    annotations: list[tuple] = field(default_factory=list)  # (created_at, id, representation)


def tag_representations() -> dict[int, tuple[int, dict]]:
    """Each tag's place in the vocabulary's order (`Tag.Meta.ordering`, as the database
    collates it) and its representation, by tag id."""
    return {
        tag.pk: (rank, rep.tag(rep.Row(tag)))
        for rank, tag in enumerate(Tag.objects.order_by("category", "label", "pk"))
    }


class ReadModel:
    """Turns the generator's batches into the documents of the claims each one settles."""

    def __init__(self, plan: corpus.Plan, tags: dict[int, tuple[int, dict]]):
        self.usernames = {user.id: user.username for user in plan.users}
        self.sources = {source.id: source for source in plan.sources}
        self.tags = tags
        self.waiting: dict[int, _Claim] = {}

    def documents(self, batch: dict[str, list]) -> list[tuple[int, str]]:
        """The (claim id, document) rows of the claims `batch` settles that an anonymous
        reader may see (alive, with a published annotation), in claim id order."""
        usernames = self.usernames
        for row in _named(batch, "annotations_claim"):
            if row["deleted_at"] is None:
                row["created_by__username"] = usernames[row["created_by_id"]]
                row["source_edits"] = []  # the column's default: the corpus edits none
                self.waiting[row["id"]] = _Claim(row)
        self._add_appearances(batch)
        self._add_annotations(batch)
        rows = []
        for claim_id in sorted(batch[corpus.SETTLED]):
            claim = self.waiting.pop(claim_id, None)
            if claim is None or not claim.annotations:
                continue  # removed, or nothing published: not in the read model
            claim.annotations.sort(key=lambda item: item[:2])
            document = rep.claim(
                claim.row,
                appearances=claim.appearances,
                annotations=[representation for _, _, representation in claim.annotations],
            )
            rows.append((claim_id, published.render(document)))
        return rows

    def _add_appearances(self, batch: dict[str, list]) -> None:
        # An appearance's capture and article are always of its own batch.
        articles = {row["id"]: row for row in _named(batch, "archive_article")}
        article_of = {row[0]: row[1] for row in batch["archive_capture"]}
        for row in _named(batch, "annotations_appearance"):  # in id order
            claim = self.waiting.get(row["claim_id"])
            if claim is None:
                continue
            article = articles[article_of[row["capture_id"]]]
            source = self.sources[article["source_id"]]
            row |= {
                rep.ARTICLE + "id": article["id"],
                rep.ARTICLE + "title": article["title"],
                rep.ARTICLE + "url": article["url"],
                rep.ARTICLE + "language": article["language"],
                rep.ARTICLE + "published_at": article["published_at"],
                rep.SOURCE + "id": source.id,
                rep.SOURCE + "slug": source.slug,
                rep.SOURCE + "name": source.name,
                rep.SOURCE + "country": source.country,
            }
            claim.appearances.append(rep.appearance(row))

    def _add_annotations(self, batch: dict[str, list]) -> None:
        # An annotation's tags and evidence are always of its own batch.
        usernames = self.usernames
        visible = {
            row["id"]: row
            for row in _named(batch, "annotations_annotation")
            if row["status"] == PUBLISHED
            and row["deleted_at"] is None
            and row["claim_id"] in self.waiting
        }
        tags: dict[int, list[tuple[int, dict]]] = {pk: [] for pk in visible}
        for _, annotation_id, tag_id in batch["annotations_annotation_tags"]:
            if annotation_id in tags:
                tags[annotation_id].append(self.tags[tag_id])
        evidence: dict[int, list[tuple]] = {pk: [] for pk in visible}
        for row in _named(batch, "annotations_evidence"):
            if row["annotation_id"] in evidence and row["deleted_at"] is None:
                row["added_by__username"] = usernames[row["added_by_id"]]
                evidence[row["annotation_id"]].append(
                    (row["created_at"], row["id"], rep.evidence(row))
                )
        for pk, row in visible.items():
            row["author__username"] = usernames[row["author_id"]]
            row["reviewed_by__username"] = usernames.get(row["reviewed_by_id"])
            representation = rep.annotation(
                row,
                tags=[shown for _, shown in sorted(tags[pk], key=lambda item: item[0])],
                evidence=[shown for *_, shown in sorted(evidence[pk], key=lambda e: e[:2])],
            )
            self.waiting[row["claim_id"]].annotations.append(
                (row["created_at"], pk, representation)
            )


def _named(batch: dict[str, list], table: str) -> Iterator[dict]:
    """The batch's rows of `table` read by name, as the representation reads them."""
    columns = corpus.COLUMNS[table]
    for row in batch[table]:
        yield dict(zip(columns, row, strict=True))


def with_documents(batches: Iterable[dict], read_model: ReadModel) -> Iterator[dict]:
    """The batches, each with the documents it settles under `TABLE` (and the time they took
    under `RENDER_SECONDS`)."""
    for batch in batches:
        began = time.process_time()
        batch[TABLE] = read_model.documents(batch)
        batch[RENDER_SECONDS] = time.process_time() - began
        yield batch
