"""Every request the API schema allows fits the server: the longest request line of each
operation (every query parameter at its longest, in the characters that take the most bytes
once percent-encoded) within gunicorn's `limit_request_line` (gunicorn.conf.py), and every
header parameter within its `limit_request_field_size`. A parameter the schema leaves
unbounded fails here, naming it."""

import runpy
from pathlib import Path
from re import _parser as regex_parser
from urllib.parse import quote

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

GUNICORN = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
# gunicorn's default for a header field (its name, ": " and its value).
LIMIT_REQUEST_FIELD_SIZE = GUNICORN.get("limit_request_field_size", 8190)

# Characters sent as they are in a URL; every other ASCII one is %XX, and a code point beyond
# ASCII takes up to 4 bytes of UTF-8, each %XX: 12 characters.
UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# The longest a JSON number between 0 and 1 is written (repr of a float: 0.1234567890123456e-05).
LONGEST_NUMBER = 24
# "GET " + " HTTP/1.1"
REQUEST_LINE_FRAME = len("DELETE ") + len(" HTTP/1.1")


def widest_character(pattern: str | None) -> int:
    """The most URL characters one character matching `pattern` takes: 1 when the pattern
    allows only unreserved ASCII, 3 for other ASCII, 12 beyond."""
    if pattern is None:
        return 12
    allowed: set[int] = set()

    def walk(items) -> bool:
        for op, value in items:
            name = str(op)
            if name == "LITERAL":
                allowed.add(value)
            elif name == "RANGE":
                allowed.update(range(value[0], value[1] + 1))
            elif name == "IN":
                if not walk(value):
                    return False
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                if not walk(value[2]):
                    return False
            elif name == "SUBPATTERN":
                if not walk(value[-1]):
                    return False
            elif name == "BRANCH":
                if not all(walk(branch) for branch in value[1]):
                    return False
            elif name == "AT":
                continue
            else:  # a category (\d, \w …), a negated set or any character: not only ASCII
                return False
        return True

    if not walk(regex_parser.parse(pattern)):
        return 12
    if all(chr(code) in UNRESERVED for code in allowed):
        return 1
    return 3 if max(allowed) < 128 else 12


def longest_value(schema: dict, where: str) -> int:
    """The most characters a value allowed by `schema` takes in a URL."""
    kind = schema.get("type")
    if "enum" in schema:
        return max(len(quote(str(value), safe="")) for value in schema["enum"])
    if kind == "integer":
        assert "minimum" in schema and "maximum" in schema, f"{where}: an integer without bounds"
        return max(len(str(schema["minimum"])), len(str(schema["maximum"])))
    if kind == "number":
        assert "minimum" in schema and "maximum" in schema, f"{where}: a number without bounds"
        return LONGEST_NUMBER
    if kind == "boolean":
        return len("false")
    if kind == "string":
        pattern = schema.get("pattern")
        longest = schema.get("maxLength")
        if pattern is not None:
            width = regex_parser.parse(pattern).getwidth()[1]
            if width < regex_parser.MAXREPEAT:
                longest = width if longest is None else min(longest, width)
        assert longest is not None, f"{where}: a text without maxLength"
        return longest * widest_character(pattern)
    if kind == "array":
        assert "maxItems" in schema, f"{where}: a list without maxItems"
        return schema["maxItems"] * longest_value(schema["items"], where)
    raise AssertionError(f"{where}: no bound known for {schema}")


def test_every_request_the_schema_allows_fits_the_request_line(api):
    schema = api.get("/api/schema/?format=json").json()
    limit = GUNICORN["limit_request_line"]
    longest, problems = {}, []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            where = f"{method.upper()} {path}"
            line = REQUEST_LINE_FRAME + len(path) + 1  # the path, then "?"
            for parameter in operation.get("parameters", []) + operations.get("parameters", []):
                name = parameter["name"]
                try:
                    value = longest_value(parameter["schema"], f"{where} {parameter['in']} {name}")
                except AssertionError as unbounded:
                    problems.append(str(unbounded).splitlines()[0])
                    continue
                if parameter["in"] == "path":
                    line += value - len(f"{{{name}}}")
                elif parameter["in"] == "query":
                    count = parameter["schema"].get("maxItems", 1)
                    per_item = value // count
                    line += count * (len(name) + 1 + per_item + 1)
                elif parameter["in"] == "header":
                    size = len(name) + 2 + value
                    if size > LIMIT_REQUEST_FIELD_SIZE:
                        problems.append(
                            f"{where}: header {name} may take {size} bytes, over gunicorn's "
                            f"limit_request_field_size ({LIMIT_REQUEST_FIELD_SIZE})"
                        )
            if line > limit:
                problems.append(f"{where}: a request line of up to {line} bytes")
            longest[where] = line
    assert len(longest) > 50, "operations missing from the schema"
    assert problems == [], f"over gunicorn's limit_request_line ({limit}) or unbounded: {problems}"


def test_the_widest_characters_are_counted():
    assert widest_character(r"^[-a-zA-Z0-9_]+$") == 1
    assert widest_character(r"^[0-9]+\.[0-9]+$") == 1
    assert widest_character(r"^[a-z:+]+$") == 3
    assert widest_character(r"^\w+$") == 12
    assert widest_character(None) == 12
    assert longest_value({"type": "string", "maxLength": 10}, "q") == 120
    assert longest_value({"type": "string", "pattern": r"^[fr][0-9]{0,3}$"}, "cursor") == 4
    with pytest.raises(AssertionError, match="without maxLength"):
        longest_value({"type": "string"}, "author")
    with pytest.raises(AssertionError, match="without maxItems"):
        longest_value({"type": "array", "items": {"type": "string", "maxLength": 1}}, "tag")


@pytest.mark.parametrize(
    "query",
    [
        "/api/claims/?" + "&".join(f"tag=t{i}" for i in range(11)),
        "/api/claims/?tag=" + "a" * 101,
        "/api/claims/?author=" + "a" * 151,
        "/api/claims/?author=a%00b",
        "/api/claims/?q=a%00b",
        "/api/claims/?source=" + "a" * 101,
        "/api/claims/?source=not%20a%20slug",
        "/api/claims/?language=" + "a" * 17,
        "/api/claims/?language=",
        "/api/claims/?updated_since=2026-01-01T00:00:00" + "0" * 30,
        "/api/claims/?ordering=-updated_at,id",
        "/api/claims/?ordering=text",
        "/api/annotations/?tag=" + "a" * 101,
        "/api/articles/?language=" + "a" * 17,
        "/api/agreement/?" + "&".join(["status=draft"] * 6),
        "/api/changes/?since=" + "1" * 20,
    ],
)
def test_a_parameter_past_its_bound_is_refused(as_user, erin_editor, query):
    response = as_user(erin_editor).get(query)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]


def test_each_bound_itself_is_accepted(as_user, erin_editor):
    client = as_user(erin_editor)
    for query in (
        "/api/claims/?" + "&".join(f"tag=t{i}" for i in range(10)),
        "/api/claims/?author=" + "a" * 150 + "&source=" + "a" * 100 + "&language=pt-BR",
        "/api/claims/?ordering=-created_at",
        "/api/agreement/?" + "&".join(["status=draft"] * 5),
    ):
        assert client.get(query).status_code == 200, query


def test_a_long_if_match_or_a_long_or_nul_query_reason_is_refused_before_any_change(
    as_user, erin_editor
):
    client = as_user(erin_editor)
    annotation = factories.AnnotationFactory(author=erin_editor)
    response = client.patch(
        f"/api/annotations/{annotation.pk}/",
        {"rationale": "Changed."},
        HTTP_IF_MATCH='"v1", ' * 40,
    )
    assert response.status_code == 400
    assert "If-Match" in response.json()["errors"]
    claim = factories.ClaimFactory(created_by=erin_editor)
    for reason in ("r" * 501, "a%00b"):
        response = client.delete(f"/api/claims/{claim.pk}/?reason={reason}")
        assert response.status_code == 400
        assert "reason" in response.json()["errors"]
    claim.refresh_from_db()
    assert claim.deleted_at is None


def test_a_source_that_cannot_be_a_slug_is_refused_before_any_query(as_user, erin_editor):
    """PostgreSQL refuses a NUL in a lookup: the slug's form is checked first (a 400)."""
    client = as_user(erin_editor)
    for source in ("a\x00b", "not a slug", "a" * 101):
        response = client.post(
            "/api/articles/", {"title": "T", "text": "Text.", "source": source}, format="json"
        )
        assert response.status_code == 400, response.content
        assert "source" in response.json()["errors"]
