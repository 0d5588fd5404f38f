import pytest

from accounts.roles import EDITORS, is_admin, is_editor, is_journalist, role_name
from annotations import rules, transitions
from archive import rules as archive_rules
from tests.factories import AnnotationFactory, ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_role_groups_exist_after_migrations():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"journalists", "editors"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anon", (False, False, False, "reader")),
        ("rita_reader", (False, False, False, "reader")),
        ("alice_journalist", (True, False, False, "journalist")),
        ("erin_editor", (True, True, False, "editor")),
        ("adam_admin", (True, True, True, "admin")),
    ],
)
def test_roles_include_the_ones_below(request, who, expected):
    user = request.getfixturevalue(who)
    assert (is_journalist(user), is_editor(user), is_admin(user), role_name(user)) == expected


def test_inactive_users_have_no_role():
    user = UserFactory(role=EDITORS, is_active=False)
    assert not is_editor(user)
    assert not is_journalist(user)


@pytest.mark.parametrize(
    ("who", "sources", "tags", "claims"),
    [
        ("anon", False, False, False),
        ("rita_reader", False, False, False),
        ("alice_journalist", False, False, True),
        ("erin_editor", False, True, True),
        ("adam_admin", True, True, True),
    ],
)
def test_write_rules_per_role(request, who, sources, tags, claims):
    user = request.getfixturevalue(who)
    assert archive_rules.can_manage_sources(user) is sources
    assert rules.can_curate_tags(user) is tags
    assert rules.can_create_claim(user) is claims
    assert archive_rules.can_archive_articles(user) is claims


def test_claim_edit_rule(alice_journalist, bob_journalist, erin_editor):
    claim = ClaimFactory(created_by=alice_journalist)
    assert rules.can_edit_claim(alice_journalist, claim)
    assert not rules.can_edit_claim(bob_journalist, claim)
    assert rules.can_edit_claim(erin_editor, claim)


def test_editor_publishes_only_a_submitted_annotation(alice_journalist, erin_editor):
    annotation = AnnotationFactory(author=alice_journalist)
    for status, allowed in (
        ("draft", False),
        ("submitted", True),
        ("returned", False),
        ("published", False),
    ):
        annotation.status = status
        assert transitions.allowed(erin_editor, annotation, "publish") is allowed, status


def test_the_seed_account_is_no_person_to_ask_or_count(db, alice_journalist):
    """load_seeds' "claimdesk" account is staff, so it passed for an editor: it was offered in
    "Ask for an opinion" and counted as an annotator."""
    from django.core.management import call_command

    from accounts.actors import SEED_ACCOUNT
    from accounts.roles import journalists
    from desk.forms import AssignForm

    call_command("load_seeds", verbosity=0)
    offered = {user.username for user in AssignForm().fields["assignees"].queryset}
    assert SEED_ACCOUNT not in offered and "alice_journalist" in offered
    assert SEED_ACCOUNT not in journalists().values_list("username", flat=True)
