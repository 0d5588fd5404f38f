"""The CHECK constraints `full_clean` evaluates in Python answer as the database does."""

import itertools

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.models import CheckConstraint, _holds, _NotInPython

# Values each field of a constraint's condition takes in turn: NULL, empties, edges, and
# every value the condition names.
PROBES = [None, "", 0, -1, 1, 0.5, 1.5, 2, "x"]
PROJECT_APPS = {"accounts", "annotations", "archive", "notifications", "watching", "webhooks"}


def _fields(condition: Q) -> dict[str, set]:
    """The fields `condition` reads, with the values it compares them to."""
    found: dict[str, set] = {}
    for child in condition.children:
        if isinstance(child, Q):
            for name, values in _fields(child).items():
                found.setdefault(name, set()).update(values)
            continue
        key, rhs = child
        name = key.split("__")[0]
        values = found.setdefault(name, set())
        if hasattr(rhs, "name"):  # F()
            found.setdefault(rhs.name, set())
        elif isinstance(rhs, list | tuple):
            values.update(rhs)
        elif not isinstance(rhs, bool):
            values.add(rhs)
    return found


def _probes(field, named: set) -> list:
    """The probe values `field` takes (as `full_clean` leaves them: through `to_python`)."""
    values = []
    for value in sorted({*PROBES, *named}, key=repr):
        try:
            field.to_python(value)
        except (ValidationError, TypeError, ValueError):
            continue
        values.append(value if value is None else field.to_python(value))
    return values


def _constraints():
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint):
                yield pytest.param(model, constraint, id=constraint.name)


def test_every_check_constraint_of_the_project_is_evaluated_in_python():
    plain = [
        constraint.name
        for model in apps.get_models()
        if model.__module__.split(".")[0] in PROJECT_APPS
        for constraint in model._meta.constraints
        if constraint.__class__.__name__ == "CheckConstraint"
        and not isinstance(constraint, CheckConstraint)
    ]
    assert plain == []


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), list(_constraints()))
def test_python_evaluation_agrees_with_the_database(model, constraint):
    fields = _fields(constraint.condition)
    names = sorted(fields)
    choices = [_probes(model._meta.get_field(name), fields[name]) for name in names]
    compared = 0
    for combination in itertools.islice(itertools.product(*choices), 400):
        instance = model()
        for name, value in zip(names, combination, strict=True):
            setattr(instance, model._meta.get_field(name).attname, value)
        try:
            python = _holds(constraint.condition, model._meta, instance) is not False
        except _NotInPython:
            continue
        try:
            # Django's own validation: a query per constraint.
            models.CheckConstraint.validate(constraint, model, instance)
            database = True
        except ValidationError:
            database = False
        assert python == database, (constraint.name, dict(zip(names, combination, strict=True)))
        compared += 1
    assert compared
