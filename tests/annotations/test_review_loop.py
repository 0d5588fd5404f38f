"""The editors' review loop through the pages: back to the queue after each decision, what
waits counted in the queue and the navigation, and a resubmitted annotation showing what the
editor asked the last time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import services
from tests.factories import mark_sentence

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(alice_journalist, capture):
    return mark_sentence(alice_journalist, capture)


@pytest.fixture
def submitted(alice_journalist, claim):
    return services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.6", submit=True
    )


def test_publishing_from_the_claim_page_lands_back_in_the_review_queue(
    client, erin_editor, submitted
):
    client.force_login(erin_editor)
    response = client.post(
        f"/annotations/{submitted.pk}/publish/", {"version": submitted.version}, follow=True
    )
    assert response.redirect_chain == [("/review/", 302)]
    assert "Published alice_journalist’s annotation." in response.text
    assert "Nothing awaits review." in response.text


def test_returning_lands_back_in_the_queue_with_the_next_item_on_top(
    client, erin_editor, bob_journalist, submitted, capture
):
    other = services.create_annotation(
        user=bob_journalist, claim=submitted.claim, confidence="0.4", submit=True
    )
    client.force_login(erin_editor)
    response = client.post(
        f"/annotations/{submitted.pk}/return/",
        {"comment": "Which date did you check?", "version": submitted.version},
        follow=True,
    )
    assert response.redirect_chain == [("/review/", 302)]
    assert f'id="annotation-{other.pk}"' in response.text
    assert f'id="annotation-{submitted.pk}"' not in response.text
    assert "1 waiting" in response.text


def test_retracting_a_published_annotation_stays_on_the_claim_page(
    client, erin_editor, fred_editor, submitted
):
    services.publish_annotation(
        user=erin_editor, annotation=submitted, expected_version=submitted.version
    )
    submitted.refresh_from_db()
    client.force_login(fred_editor)
    response = client.post(
        f"/annotations/{submitted.pk}/return/",
        {"comment": "The ministry answered.", "version": submitted.version},
    )
    assert response.url == f"/claims/{submitted.claim_id}/#annotation-{submitted.pk}"


def test_navigation_counts_what_waits_for_an_editor_only(
    client, erin_editor, alice_journalist, submitted
):
    client.force_login(erin_editor)
    nav_count = '<span class="nav-count"><span class="visually-hidden">(</span>1<span'
    assert nav_count in client.get("/").text
    client.force_login(alice_journalist)
    assert "nav-count" not in client.get("/").text


def test_navigation_count_costs_one_query_whatever_waits(
    client, erin_editor, alice_journalist, bob_journalist, submitted
):
    client.force_login(erin_editor)
    client.get("/articles/")
    with CaptureQueriesContext(connection) as one_waiting:
        assert '>1<span class="visually-hidden">)</span>' in client.get("/articles/").text
    services.create_annotation(
        user=bob_journalist, claim=submitted.claim, confidence="0.4", submit=True
    )
    with CaptureQueriesContext(connection) as two_waiting:
        assert '>2<span class="visually-hidden">)</span>' in client.get("/articles/").text
    assert len(two_waiting) == len(one_waiting)
    queue_count = 'SELECT COUNT(*) AS "__count" FROM "annotations_annotation"'
    counts = [q for q in two_waiting if q["sql"].startswith(queue_count)]
    assert len(counts) == 1


def test_a_resubmitted_annotation_shows_the_previous_comment_in_the_queue_and_on_its_page(
    client, erin_editor, alice_journalist, submitted
):
    services.return_annotation(
        user=erin_editor,
        annotation=submitted,
        comment="Cite the ministry's silence.",
        expected_version=submitted.version,
    )
    submitted.refresh_from_db()
    services.update_annotation(
        user=alice_journalist,
        annotation=submitted,
        confidence="0.7",
        expected_version=submitted.version,
    )
    services.submit_annotation(
        user=alice_journalist, annotation=submitted, expected_version=submitted.version
    )

    client.force_login(erin_editor)
    queue = client.get("/review/").text
    assert "Resubmitted after a return" in queue
    assert "Resubmitted after erin_editor returned it" in queue
    assert "Cite the ministry&#x27;s silence." in queue
    page = client.get(f"/claims/{submitted.claim_id}/").text
    assert "Resubmitted after erin_editor returned it" in page


def test_a_first_submission_shows_no_previous_return(client, erin_editor, submitted):
    client.force_login(erin_editor)
    queue = client.get("/review/").text
    assert "Resubmitted" not in queue
    # Submitting is no edit: the count is of changes to the assessment.
    assert "saved" in queue and "not changed since" in queue
