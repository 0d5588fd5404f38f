"""Every page as a newsroom sees it, in English and French, on a desktop (1280 × 800) and a
phone (390 × 844): the navigation stays within 120 px on the phone, the first claim of the
list is above the fold at both sizes, and `make screenshots` writes each page into
docs/screens/<page>-<lang>-<width>.png."""

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.actors import SEED_ACCOUNT
from annotations import services
from annotations.models import Annotation, Claim
from archive import imports
from tests import factories

from .conftest import save_screenshot, serious_violations

# serialized_rollback: the role groups come from a data migration that a flush would erase.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SIZES = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}

# Sentences of the seed article that the newsroom below marks, each ending in one status.
SENTENCES = {
    "submitted": "Juste un jour avant l’annulation, les exercices internationaux CTSO se sont "
    "terminés au Kazakhstan.",
    "draft": "le Kirghizistan a annulé les exercices conjoints le 9 octobre",
    "retracted": "le gouvernement kazakh a refusé d’accepter les résultats des référendums "
    "russes dans l’est de l’Ukraine",
    "unannotated": "le président kirghize Sadyr Japarov a décidé de ne pas assister au sommet",
}


# Claims from other articles, as a desk would have them.
AGREEMENT_CLAIMS = [
    "Bishkek says the exercise was cancelled for technical reasons.",
    "Russia has 4,000 troops stationed at the Kant air base.",
    "The CSTO has not held an exercise in Kyrgyzstan since 2019.",
    "Kazakhstan refused to send troops to support the invasion of Ukraine.",
    "The Tajik border clashes left more than 100 dead.",
    "Japarov did not attend the summit in Saint Petersburg on 7 October.",
    "The EU mission will monitor the Armenia–Azerbaijan border for two months.",
    "Moscow did not answer Yerevan's request for help.",
]


def person(username: str, first: str, last: str, role: str = "journalist"):
    user = (factories.editor if role == "editor" else factories.journalist)(username)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def newsroom(transactional_db, settings):
    """The seed article and its published claim, then a newsroom's week on it: a claim
    awaiting review, a draft, a retracted assessment, an unannotated claim, a few more
    articles, claims two journalists both assessed (for the agreement page) and a queued
    import."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    call_command("load_seeds", verbosity=0)
    alice = person("alice_journalist", "Alice", "Martin")
    bob = person("bob_journalist", "Bob", "Dupont")
    erin = person("erin_editor", "Erin", "Lefèvre", role="editor")
    # Claims both journalists assessed, older than the week's: the agreement page has
    # something to measure.
    verdicts = ["accurate", "misleading", "false", "unverifiable"]
    for n, text in enumerate(AGREEMENT_CLAIMS):
        claim = factories.ClaimFactory(created_by=alice, text=text)
        for author, shift in ((alice, 0), (bob, n % 3 == 0)):
            factories.AnnotationFactory(
                claim=claim,
                author=author,
                verdict=verdicts[(n + shift) % 4],
                confidence=f"0.{5 + n % 4}",
                status=Annotation.Status.SUBMITTED,
            )
    seed_claim = Claim.objects.get(created_by__username=SEED_ACCOUNT)
    capture = seed_claim.appearances.get().capture
    claims = {
        status: factories.mark_sentence(alice, capture, sentence)
        for status, sentence in SENTENCES.items()
    }
    submitted = services.create_annotation(
        user=alice,
        claim=claims["submitted"],
        confidence="0.6",
        verdict="accurate",
        rationale="The Kazakh exercise ended on 8 October, as the ministry said.",
    )
    services.update_annotation(
        user=alice,
        annotation=submitted,
        expected_version=submitted.version,
        confidence="0.7",
        tags=["no-official-reason-given"],
    )
    services.submit_annotation(user=alice, annotation=submitted, expected_version=submitted.version)
    services.create_annotation(user=bob, claim=claims["draft"], confidence="0.4")
    retracted = services.create_annotation(
        user=bob, claim=claims["retracted"], confidence="0.9", verdict="accurate", submit=True
    )
    services.publish_annotation(user=erin, annotation=retracted, expected_version=2)
    retracted.refresh_from_db()
    services.retract_annotation(
        user=erin,
        annotation=retracted,
        reason="The referendum results were announced later than the article says.",
        expected_version=retracted.version,
    )
    for title in (
        "Bichkek dément toute pression de Moscou",
        "Astana refuse de reconnaître les référendums",
        "Le sommet de Saint-Pétersbourg sans le président kirghize",
    ):
        factories.CaptureFactory(article__title=title)
    job = imports.create_import(
        actor=alice, inputs=imports.url_inputs(["https://news.example.org/story/42"])
    )
    return {
        "people": {"journalist": alice, "bob": bob, "editor": erin},
        "article": capture.article_id,
        "claim": claims["submitted"].pk,
        "job": job.pk,
    }


def paths(world) -> dict[str, str]:
    return {
        "home": "/",
        "articles": "/articles/",
        "reader": f"/articles/{world['article']}/",
        "claims": "/claims/",
        "claim": f"/claims/{world['claim']}/",
        "review": "/review/",
        "agreement": "/agreement/",
        "tags": "/tags/",
        "add-article": "/articles/add/",
        "imports": "/imports/",
        "job": f"/imports/{world['job']}/",
    }


def speak(page, language: str, live_server) -> None:
    """Choose the interface language as the switch would: its cookie."""
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def open_as(new_page, live_server, user, language: str, width: int):
    page = new_page(user)
    # The agreement page's bootstrap takes seconds on a busy machine.
    page.set_default_navigation_timeout(60_000)
    speak(page, language, live_server)
    page.set_viewport_size(SIZES[width])
    return page


# The elements that reach past the right edge of the window (why a page scrolls sideways).
TOO_WIDE_JS = """
() => Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5)
  .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${e.getBoundingClientRect().right}`)
"""


def fits(page, width: int) -> bool | list[str]:
    """True, or the elements that make the page wider than the window."""
    if page.evaluate("document.documentElement.scrollWidth") <= width:
        return True
    return page.evaluate(TOO_WIDE_JS)


# The navigation's height and the bottom of the list's first claim, as laid out.
NAV_HEIGHT_JS = "document.querySelector('.site-header').getBoundingClientRect().height"
FIRST_CLAIM_JS = "document.querySelector('.claim-row').getBoundingClientRect().bottom"
# Whether the main navigation's entries all show, without scrolling it sideways.
NAV_FITS_JS = "(n => n.scrollWidth <= n.clientWidth)(document.querySelector('.primary-nav'))"


@pytest.mark.parametrize("width", [1280, 390])
def test_navigation_fits_and_first_claim_is_above_the_fold(new_page, live_server, newsroom, width):
    for language in ("en", "fr"):
        page = open_as(new_page, live_server, newsroom["people"]["editor"], language, width)
        page.goto("/claims/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        if width == 390:
            assert page.evaluate(NAV_HEIGHT_JS) <= 120, language
        assert page.evaluate(NAV_FITS_JS), language
        # The whole first row, not only its top, is above the fold.
        bottom = page.evaluate(FIRST_CLAIM_JS)
        assert 0 < bottom <= SIZES[width]["height"], (language, bottom)
        assert fits(page, width) is True, (language, fits(page, width))


def test_retracted_highlight_has_its_own_colour_and_legend(new_page, live_server, newsroom):
    page = open_as(new_page, live_server, newsroom["people"]["editor"], "en", 1280)
    page.goto(paths(newsroom)["reader"])
    retracted = page.locator("mark.status-retracted").first
    submitted = page.locator("mark.status-submitted").first
    colour = "e => getComputedStyle(e).backgroundColor"
    assert retracted.evaluate(colour) not in {"rgb(255, 255, 0)", submitted.evaluate(colour)}
    expect(page.locator(".legend .status-retracted")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_in_both_sizes(new_page, live_server, axe_source, newsroom, language):
    """Each page answers, passes axe-core, does not scroll sideways on a phone; `make
    screenshots` keeps a picture of it."""
    found = {}
    login = new_page()
    speak(login, language, live_server)
    for width in SIZES:
        login.set_viewport_size(SIZES[width])
        login.goto("/accounts/login/")
        save_screenshot(login, f"screens/login-{language}-{width}.png")
    for width in SIZES:
        page = open_as(new_page, live_server, newsroom["people"]["editor"], language, width)
        for name, path in paths(newsroom).items():
            response = page.goto(path)
            assert response.status < 400, (path, response.status)
            assert fits(page, width) is True, (name, width, fits(page, width))
            if width == 390 and (violations := serious_violations(page, axe_source)):
                found[f"{name} {width}"] = violations
            save_screenshot(page, f"screens/{name}-{language}-{width}.png")
    assert found == {}
