"""The visibility policy (`annotations.visibility`), asked of every read path: worlds of
claims, annotations in every status, blind and open assignments, removals and edits of
published work, publications returned to their authors, with a marker text in every
rationale, edit, retraction reason, tag, piece of evidence and claim, and a secret one in
every editor's comment on a return; then every person (anonymous, read-only token,
journalists, editor, admin) reads every path through the test client, and each path must
show exactly what the policy below allows — the markers of what they may see where the path
shows it, never one of what they may not.

The policy is restated here in plain Python over the world's description (`Oracle`), apart
from the code under test: removed claims are seen by nobody, their annotations by editors
only and never in linked data; others see published annotations and their own, minus blind
mode; history events follow the same rule for what was ever published, but an editor's
comment on a return is read by editors and the annotation's author only, on every path. A
claim withdrawn from public (retracted or removed) answers 410 to whoever may no longer see
it, saying why, and keeps a retracted claim's history readable; one never public, or whose
last withdrawal returned it to its author, stays a 404."""

import contextlib
from dataclasses import dataclass, field, replace

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import APIToken
from annotations import services
from annotations.services import assignments
from tests import factories

PEOPLE = ("anon", "reader", "j1", "j2", "j3", "ed", "ad")
JOURNALISTS = ("j1", "j2", "j3")
EDITORS = ("ed", "ad")
STATUSES = ("draft", "submitted", "returned", "published", "retracted")
SEARCHED = "officielle"  # a word of every claim's text


@dataclass(frozen=True)
class ClaimSpec:
    creator: str
    removed: bool = False


@dataclass(frozen=True)
class AnnotationSpec:
    claim: int
    author: str
    status: str
    edited: bool = False  # an admin rewords it while published
    evidence: bool = False
    # Published, then returned to its author (publicly, with a secret comment); published
    # again unless its status is "returned".
    bounced: bool = False


@dataclass(frozen=True)
class AssignmentSpec:
    claim: int
    assignee: str
    blind: bool = True
    show_published: bool = False


@dataclass(frozen=True)
class WorldSpec:
    claims: tuple[ClaimSpec, ...]
    annotations: tuple[AnnotationSpec, ...] = ()
    assignments: tuple[AssignmentSpec, ...] = ()


# Markers: distinct prefixes, a closing letter so that no marker contains another.
def rationale(i: int) -> str:
    return f"Rm{i}z"


def edit(i: int) -> str:
    return f"Ed{i}z"


def tag_label(i: int) -> str:
    return f"Tg{i}z"


def evidence_url(i: int) -> str:
    return f"https://example.org/Ev{i}z"


def retraction(i: int) -> str:
    return f"Rt{i}z"


def return_comment(i: int) -> str:
    """An editor's comment on returning annotation `i`: its author's and editors' only."""
    return f"Rc{i}z"


def claim_label(k: int) -> str:
    return f"Cl{k}z"


def claim_text(k: int) -> str:
    return f"{claim_label(k)} {factories.CLAIM_SENTENCE}"


class Oracle:
    """What the policy lets each person see in a world, from its description alone."""

    def __init__(self, spec: WorldSpec):
        self.spec = spec
        self.annotations = list(enumerate(spec.annotations))

    def editor(self, person: str) -> bool:
        return person in EDITORS

    def removed(self, k: int) -> bool:
        return self.spec.claims[k].removed

    def blind(self, person: str, k: int) -> bool:
        assigned = any(
            s.claim == k and s.assignee == person and s.blind and not s.show_published
            for s in self.spec.assignments
        )
        submitted = any(
            a.claim == k
            and a.author == person
            and a.status in ("submitted", "published", "returned")
            for a in self.spec.annotations
        )
        return assigned and not submitted

    def sees_annotation(self, person: str, i: int) -> bool:
        a = self.spec.annotations[i]
        if self.editor(person):
            return True
        if self.removed(a.claim):
            return False
        if a.author == person:
            return True
        return a.status == "published" and not self.blind(person, a.claim)

    def sees_claim(self, person: str, k: int) -> bool:
        if self.removed(k):
            return False
        return (
            self.editor(person)
            or self.spec.claims[k].creator == person
            or any(s.claim == k and s.assignee == person for s in self.spec.assignments)
            or any(self.sees_annotation(person, i) for i, a in self.annotations if a.claim == k)
        )

    def visible(self, person: str) -> list[int]:
        return [i for i, _ in self.annotations if self.sees_annotation(person, i)]

    def claims(self, person: str) -> set[int]:
        return {k for k in range(len(self.spec.claims)) if self.sees_claim(person, k)}

    def shown_with_claims(self, person: str) -> list[int]:
        """The visible annotations shown with the claims `person` sees."""
        return [i for i in self.visible(person) if self.sees_claim(person, self.claim_of(i))]

    def linked_data(self, person: str) -> list[int]:
        return [
            i
            for i in self.shown_with_claims(person)
            if self.spec.annotations[i].status == "published"
        ]

    def claim_of(self, i: int) -> int:
        return self.spec.annotations[i].claim

    def exported(self, person: str) -> set[int]:
        """The published corpus, less the claims a journalist is blind on."""
        return {
            self.claim_of(i)
            for i in self.linked_data("anon")
            if not self.blind(person, self.claim_of(i))
        }

    def history(self, person: str, i: int) -> set[str]:
        """The markers of annotation `i` that `person` reads in its history: all of them for
        editors and its author; for others, once published (and not blind), those its public
        events carry — an edit (both wordings) and a retraction's reason."""
        a = self.spec.annotations[i]
        markers = set()
        if self.editor(person) or a.author == person:
            markers.add(rationale(i))
            if self.returned(i):
                markers.add(return_comment(i))
        elif a.status not in ("published", "retracted") or self.blind(person, a.claim):
            return markers
        if a.edited:
            markers |= {rationale(i), edit(i)}
        if a.status == "retracted":
            markers.add(retraction(i))
        return markers

    def returned(self, i: int) -> bool:
        """Whether annotation `i` was ever returned to its author (with a comment)."""
        a = self.spec.annotations[i]
        return a.status == "returned" or a.bounced

    def reads_comment(self, person: str, i: int) -> bool:
        """Whether `person` may read the comment annotation `i` was returned with."""
        a = self.spec.annotations[i]
        return self.returned(i) and (self.editor(person) or a.author == person)

    def removed_in_public(self, k: int) -> bool:
        """Removed while an assessment of it was published: the removal is public."""
        return self.removed(k) and any(
            a.claim == k and a.status == "published" for a in self.spec.annotations
        )

    def retractions_read(self, person: str, k: int) -> list[int]:
        """The retracted assessments of claim `k` whose retraction `person` may read: blind
        mode hides the others'."""
        return [
            i
            for i, a in self.annotations
            if a.claim == k
            and a.status == "retracted"
            and (a.author == person or not self.blind(person, k))
        ]

    def withdrawals_read(self, person: str, k: int) -> list[tuple[str, int | None]]:
        """The public withdrawals of claim `k` that `person` may read, in the order the world
        made them: ("returned", i) when a published assessment went back to its author,
        ("retracted", i), and last ("removed", None); blind mode hides the others'."""
        made: list[tuple[str, int | None]] = []
        for i, a in self.annotations:
            if a.claim != k or (a.author != person and self.blind(person, k)):
                continue
            if a.bounced:
                made.append(("returned", i))
            if a.status == "retracted":
                made.append(("retracted", i))
        if self.removed_in_public(k):
            made.append(("removed", None))
        return made

    def gone(self, person: str, k: int) -> bool:
        """Whether claim `k` answers 410 to `person`: they may not see it, and its last
        withdrawal they may read took it from public for good (an assessment retracted, or
        the claim removed while published), not back to its author."""
        if self.sees_claim(person, k):
            return False
        made = self.withdrawals_read(person, k)
        return bool(made) and made[-1][0] in ("retracted", "removed")

    def withdrawn_reason(self, person: str, k: int) -> set[str]:
        """The marker of the reason given for claim `k`'s last withdrawal, which its
        tombstone and its 410 state to `person` once it is gone for them (a removal's
        reason is no marker, a return states none)."""
        if not self.gone(person, k):
            return set()
        how, i = self.withdrawals_read(person, k)[-1]
        return {retraction(i)} if how == "retracted" else set()

    def retraction_notice(self, person: str, i: int) -> set[str]:
        a = self.spec.annotations[i]
        shown = a.status == "retracted" and (
            self.editor(person) or not self.blind(person, a.claim) or a.author == person
        )
        return {retraction(i)} if shown else set()


def content_markers(i: int, a: AnnotationSpec) -> set[str]:
    """What an annotation's representation shows: its rationale (and edit), and the reason
    it was retracted."""
    shown = {rationale(i), edit(i)} if a.edited else {rationale(i)}
    return shown | {retraction(i)} if a.status == "retracted" else shown


# Building a world through the services, as the product would.


@dataclass
class World:
    spec: WorldSpec
    people: dict = field(default_factory=dict)
    claims: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    annotations: list = field(default_factory=list)


def build(spec: WorldSpec) -> World:
    world = World(spec)
    world.people = {
        "rita": factories.UserFactory(username="rita"),
        **{name: factories.journalist(name) for name in JOURNALISTS},
        "ed": factories.editor("ed"),
        "ad": factories.admin_user("ad"),
    }
    ed, ad = world.people["ed"], world.people["ad"]
    for k, c in enumerate(spec.claims):
        claim = factories.ClaimFactory(created_by=world.people[c.creator], text=claim_text(k))
        appearance = factories.AppearanceFactory(claim=claim)
        world.claims.append(claim)
        world.articles.append(appearance.capture.article_id)
    for i, a in enumerate(spec.annotations):
        author = world.people[a.author]
        factories.TagFactory(slug=f"tg{i}z", label=tag_label(i))
        annotation = services.create_annotation(
            user=author,
            claim=world.claims[a.claim],
            confidence="0.5",
            verdict="false",
            rationale=rationale(i),
            tags=[f"tg{i}z"],
        )
        if a.evidence:
            services.add_evidence(
                user=author, annotation=annotation, stance="supports", url=evidence_url(i)
            )

        if a.status != "draft":
            step(annotation, services.submit_annotation, author)
        if a.bounced:
            step(annotation, services.publish_annotation, ed)
        if a.status == "returned" or a.bounced:
            step(annotation, services.return_annotation, ed, comment=return_comment(i))
        if a.bounced and a.status != "returned":
            step(annotation, services.submit_annotation, author)
        if a.status in ("published", "retracted"):
            step(annotation, services.publish_annotation, ed)
            if a.edited:
                step(
                    annotation,
                    services.update_annotation,
                    ad,
                    rationale=f"{rationale(i)} {edit(i)}",
                    reason="Clearer.",
                )
        if a.status == "retracted":
            step(annotation, services.retract_annotation, ed, reason=retraction(i))
        world.annotations.append(annotation)
    for s in spec.assignments:
        assignments.assign_claims(
            user=ed,
            claims=[world.claims[s.claim]],
            assignees=[world.people[s.assignee]],
            blind=s.blind,
            show_published=s.show_published,
        )
    for k, c in enumerate(spec.claims):
        if c.removed:
            services.delete_claim(user=ed, claim=world.claims[k], reason="Not a claim.")
    return world


def step(annotation, service, user, **more) -> None:
    """Call a review service on `annotation` as `user`, at its current version."""
    annotation.refresh_from_db()
    service(user=user, annotation=annotation, expected_version=annotation.version, **more)


def client(world: World, person: str) -> Client:
    """A client reading as `person`: anonymous, a read-only token, or logged in."""
    if person == "anon":
        return Client()
    if person == "reader":
        _, key = APIToken.issue(user=world.people["rita"], name="test", read_only=True)
        return Client(headers={"Authorization": f"Token {key}"})
    logged_in = Client()
    logged_in.force_login(world.people[person])
    return logged_in


# Reading every path


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def found(body: str, markers) -> set[str]:
    return {m for m in markers if m in body}


def check_world(spec: WorldSpec, people=PEOPLE) -> None:
    """Build the world of `spec`, then have each of `people` read every path."""
    world = build(spec)
    oracle = Oracle(spec)
    for person in people:
        Reading(world, oracle, person, client(world, person)).every_path()


@dataclass
class Reading:
    """One person reading every path of one world."""

    world: World
    oracle: Oracle
    person: str
    client: Client

    def get(self, path: str, expected: int = 200) -> str:
        """The body of `path`, which must answer `expected` and show no return comment
        this person may not read."""
        response = self.client.get(path)
        assert response.status_code == expected, (self.person, path, response.status_code)
        body = text(response)
        comments = {return_comment(i) for i in range(len(self.world.spec.annotations))}
        allowed = {
            return_comment(i)
            for i in range(len(self.world.spec.annotations))
            if self.oracle.reads_comment(self.person, i)
        }
        assert found(body, comments) <= allowed, (self.person, path, self.world.spec)
        return body

    def content(self, indices) -> set[str]:
        annotations = self.world.spec.annotations
        return set().union(*(content_markers(i, annotations[i]) for i in indices))

    def every_path(self) -> None:
        spec, oracle, person, world = self.world.spec, self.oracle, self.person, self.world
        get, content = self.get, self.content
        annotations = spec.annotations
        markers = set()
        for i in range(len(annotations)):
            markers |= {rationale(i), edit(i), retraction(i)}
        comments = {return_comment(i) for i in range(len(annotations))}
        claim_markers = {claim_label(k) for k in range(len(spec.claims))}
        tags = {tag_label(i) for i in range(len(annotations))}
        evidence = {evidence_url(i) for i in range(len(annotations))}
        visible = oracle.visible(person)
        shown = oracle.shown_with_claims(person)
        claims = oracle.claims(person)
        seen_claims = {claim_label(k) for k in claims}
        where = f"{person} in {spec}"

        # The API's claim list, search, export and change feed.
        body = get("/api/claims/?page_size=100")
        assert found(body, markers) == content(shown), where
        assert found(body, claim_markers) == seen_claims, where
        with_evidence = {evidence_url(i) for i in shown if annotations[i].evidence}
        assert found(body, evidence) == with_evidence, where
        body = get(f"/api/claims/?q={SEARCHED}&page_size=100")
        assert found(body, markers) == content(shown), where
        assert found(body, claim_markers) == seen_claims, where
        exported = oracle.exported(person)
        body = get("/api/claims/export.jsonl")
        in_export = [i for i in oracle.linked_data("anon") if oracle.claim_of(i) in exported]
        assert found(body, markers) == content(in_export), where
        assert found(body, claim_markers) == {claim_label(k) for k in exported}, where
        body = get("/api/changes/?page_size=1000")
        claim_indices = range(len(spec.claims))
        stated = set().union(*(oracle.withdrawn_reason(person, k) for k in claim_indices))
        assert found(body, markers) == content(shown) | stated, where
        assert found(body, claim_markers) <= seen_claims, where
        assert found(body, claim_markers) >= {claim_label(oracle.claim_of(i)) for i in shown}

        # Annotations, evidence, appearances, W3C.
        body = get("/api/annotations/?page_size=100")
        assert found(body, markers) == content(visible), where
        body = get("/api/evidence/?page_size=100")
        assert found(body, evidence) == {
            evidence_url(i) for i in visible if annotations[i].evidence
        }, where
        linked = oracle.linked_data(person)
        for path in ("/api/annotations/w3c/", "/api/annotations/w3c/page/"):
            assert found(get(path), markers) == content(linked), where
        appearances = self.client.get("/api/appearances/?page_size=100").json()["results"]
        assert {a["claim"] for a in appearances} == {world.claims[k].pk for k in claims}, where
        for i, annotation in enumerate(world.annotations):
            get(f"/api/annotations/{annotation.pk}/", 200 if i in visible else 404)
            get(f"/api/annotations/{annotation.pk}/w3c/", 200 if i in linked else 404)
            if i in visible:
                body = get(f"/api/annotations/{annotation.pk}/history/")
                assert found(body, markers | comments) == oracle.history(person, i), where

        # Each claim: detail, history, ClaimReview, its page, the reader.
        for k, claim in enumerate(world.claims):
            reader_page = f"/articles/{world.articles[k]}/"
            its = [i for i, a in enumerate(annotations) if a.claim == k]
            if k not in claims:
                self.not_visible(k, its)
                assert claim_label(k) not in get(reader_page), where
                continue
            body = get(f"/api/claims/{claim.pk}/")
            assert found(body, markers) == content(i for i in shown if i in its), where
            history = set().union(*(oracle.history(person, i) for i in its))
            body = get(f"/api/claims/{claim.pk}/history/")
            assert found(body, markers | comments) == history, where
            reviewed = [i for i in linked if i in its]
            body = get(f"/api/claims/{claim.pk}/claimreview/", 200 if reviewed else 404)
            assert found(body, markers) == content(reviewed), where
            notices = set().union(*(oracle.retraction_notice(person, i) for i in its))
            body = get(f"/claims/{claim.pk}/")
            page = content(i for i in shown if i in its) | history | notices
            assert found(body, markers) == page - comments, where
            body = get(reader_page)
            assert claim_label(k) in body, where
            assert found(body, tags) <= {tag_label(i) for i in shown if i in its}, where

        # The pages that list: claims, home (claims per tag).
        body = get("/claims/")
        assert found(body, claim_markers) == seen_claims, where
        assert found(body, markers) == set(), where
        body = get("/")
        assert found(body, tags) == {tag_label(i) for i in visible}, where
        assert found(body, claim_markers) <= seen_claims, where
        # Agreement: editors only.
        get("/api/agreement/", 200 if person in EDITORS else 403)

    def not_visible(self, k: int, its: list[int]) -> None:
        """Claim `k`, which this person may not see: 410 saying why when it was withdrawn in
        public (its page with every retraction's reason; the API with the last), else 404."""
        oracle, person, where = self.oracle, self.person, f"{self.person} in {self.world.spec}"
        pk = self.world.claims[k].pk
        markers = {
            m
            for i in range(len(self.world.spec.annotations))
            for m in (rationale(i), edit(i), retraction(i))
        }
        if not oracle.gone(person, k):
            for path in ("/api/claims/{}/", "/api/claims/{}/history/", "/claims/{}/"):
                self.get(path.format(pk), 404)
            self.get(f"/api/claims/{pk}/claimreview/", 404)
            return
        stated = oracle.withdrawn_reason(person, k)
        for path in (f"/api/claims/{pk}/", f"/api/claims/{pk}/claimreview/"):
            assert found(self.get(path, 410), markers) == stated, where
        notices = {retraction(i) for i in oracle.retractions_read(person, k)}
        assert found(self.get(f"/claims/{pk}/", 410), markers) == notices, where
        if oracle.removed(k):
            assert found(self.get(f"/api/claims/{pk}/history/", 410), markers) == stated, where
        else:
            history = set().union(*(oracle.history(person, i) for i in its))
            body = self.get(f"/api/claims/{pk}/history/")
            assert found(body, markers) == history, where


@contextlib.contextmanager
def rolled_back():
    """Each world in a transaction of its own that is undone afterwards."""
    with transaction.atomic():
        cache.clear()  # throttle counts
        yield
        transaction.set_rollback(True)


def test_a_fixed_world_shows_each_person_exactly_what_the_policy_allows(db):
    check_world(
        WorldSpec(
            claims=(
                ClaimSpec("j1"),
                ClaimSpec("ed"),
                ClaimSpec("j2", removed=True),
                ClaimSpec("j1"),  # retracted: gone for those who saw it in public
                ClaimSpec("ed", removed=True),  # retracted, then removed quietly
                ClaimSpec("j2"),
                ClaimSpec("ed"),  # retracted, then another assessment unpublished
            ),
            annotations=(
                AnnotationSpec(0, "j2", "published", edited=True, evidence=True, bounced=True),
                AnnotationSpec(0, "j3", "draft", evidence=True),
                AnnotationSpec(0, "j1", "submitted"),
                AnnotationSpec(1, "j2", "returned", bounced=True),
                AnnotationSpec(1, "j3", "retracted", edited=True),
                AnnotationSpec(1, "j1", "published"),
                AnnotationSpec(2, "j1", "published", evidence=True),
                AnnotationSpec(3, "j2", "retracted", edited=True, evidence=True, bounced=True),
                AnnotationSpec(4, "j3", "retracted"),
                AnnotationSpec(5, "j1", "returned"),  # returned before it was published
                AnnotationSpec(6, "j1", "retracted"),
                AnnotationSpec(6, "j3", "returned", bounced=True),  # last: unpublished, 404
            ),
            assignments=(
                AssignmentSpec(0, "j3"),  # blind: j3 has only a draft
                AssignmentSpec(1, "j2", show_published=True),
                AssignmentSpec(1, "j3", blind=False),
                AssignmentSpec(4, "j1"),  # blind: the others' retraction is hidden from j1
            ),
        )
    )


claims_strategy = st.lists(
    st.builds(ClaimSpec, st.sampled_from(("j1", "j2", "ed")), st.booleans()),
    min_size=1,
    max_size=3,
)


@st.composite
def worlds(draw) -> WorldSpec:
    claims = draw(claims_strategy)
    claim = st.integers(0, len(claims) - 1)
    journalist = st.sampled_from(JOURNALISTS)
    annotations = draw(
        st.lists(
            st.builds(
                AnnotationSpec,
                claim,
                journalist,
                st.sampled_from(STATUSES),
                st.booleans(),
                st.booleans(),
                st.booleans(),
            ),
            max_size=5,
            unique_by=lambda a: (a.claim, a.author),
        )
    )
    annotations = [
        a
        if a.status in ("published", "retracted")
        else replace(a, edited=False, bounced=a.bounced and a.status == "returned")
        for a in annotations
    ]
    assigned = draw(
        st.lists(
            st.builds(AssignmentSpec, claim, journalist, st.booleans(), st.booleans()),
            max_size=3,
            unique_by=lambda s: (s.claim, s.assignee),
        )
    )
    return WorldSpec(tuple(claims), tuple(annotations), tuple(assigned))


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=worlds(), person=st.sampled_from(PEOPLE))
def test_every_read_path_shows_each_person_exactly_what_the_policy_allows(db, spec, person):
    with rolled_back():
        check_world(spec, people=[person])
