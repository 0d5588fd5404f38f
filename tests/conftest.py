import pytest
from django.contrib.auth.models import AnonymousUser

from tests import factories


@pytest.fixture
def alice_journalist(db):
    return factories.journalist("alice_journalist")


@pytest.fixture
def bob_journalist(db):
    return factories.journalist("bob_journalist")


@pytest.fixture
def erin_editor(db):
    return factories.editor("erin_editor")


@pytest.fixture
def fred_editor(db):
    return factories.editor("fred_editor")


@pytest.fixture
def adam_admin(db):
    return factories.admin_user("adam_admin")


@pytest.fixture
def rita_reader(db):
    """A logged-in user with no role."""
    return factories.UserFactory(username="rita_reader")


@pytest.fixture
def anon():
    return AnonymousUser()


@pytest.fixture
def capture(db):
    return factories.CaptureFactory()


@pytest.fixture
def seeded(db):
    from django.core.management import call_command

    call_command("load_seeds", verbosity=0)
