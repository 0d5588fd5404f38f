"""The OpenAPI side of the shared pieces: the error shapes every operation documents, the
bounds of path parameters (drf-spectacular postprocessing hooks) and the schema of an object
id."""

from core.models import MAX_ID, SLUG_MAX_LENGTH

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {
            "type": "object",
            "description": "For invalid input: the messages per field (`non_field_errors` "
            "for the input as a whole).",
            "additionalProperties": {},
        },
    },
}
STALE_SCHEMA = {
    "type": "object",
    "required": ["detail", "current_version"],
    "properties": {
        "detail": {"type": "string"},
        "current_version": {"type": "integer", "description": "The version now stored."},
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field and what is wrong with it.",
    "401": "Not authenticated: log in or send `Authorization: Token <key>`.",
    "403": "Authenticated, but your role (or a read-only token) does not allow this.",
    "404": "No such object, or not visible to you.",
    "405": "This method is not allowed here.",
    "409": "Conflicts with stored data (e.g. still referred to).",
    "412": "The annotation changed since you read it (stale `version` or `If-Match`).",
    "428": "Precondition required: send the `version` you read, or its ETag in `If-Match`.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}


FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _form_variant(name: str, schema: dict, components: dict) -> str:
    """The component `name` as a form sends it: a form has no null (an empty value, or
    leaving the field out, means none), so no property is nullable."""
    form_name = f"{name}Form"
    if form_name not in components:
        properties = {
            field: {key: value for key, value in spec.items() if key != "nullable"}
            for field, spec in schema.get("properties", {}).items()
        }
        components[form_name] = {**schema, "properties": properties}
    return form_name


def _operations(result):
    """Every operation of the schema (a path item holds other keys beside its operations)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                yield operation


def close_request_bodies(result, generator, request, public):
    """drf-spectacular postprocessing hook: request bodies accept only the properties they
    list (the write serializers refuse unknown and read-only fields with a 400), and form
    bodies carry no nulls."""
    components = result.get("components", {}).get("schemas", {})
    json_bodies = set()
    for operation in _operations(result):
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            ref = content.get("schema", {}).get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            schema = components.get(name)
            if schema is None or schema.get("type") != "object":
                continue
            schema["additionalProperties"] = False
            if media_type in FORM_MEDIA_TYPES:
                form_name = _form_variant(name, schema, components)
                content["schema"] = {"$ref": f"#/components/schemas/{form_name}"}
            else:
                json_bodies.add(name)
    # A file travels in a form only: in JSON, a file field can only be null (or left out).
    for name in json_bodies:
        for field, spec in components[name].get("properties", {}).items():
            if spec.get("format") == "binary":
                components[name]["properties"][field] = {
                    "type": "string",
                    "nullable": True,
                    "enum": [None],
                    "description": "Send the file as multipart/form-data; in JSON, only null.",
                }
    return result


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the shared error shape
    for the statuses it can answer, and reads work without credentials."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components["StaleVersion"] = STALE_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if method == "get" and operation.get("security") and {} not in operation["security"]:
                operation["security"].append({})
            responses = operation.setdefault("responses", {})
            # Every operation can fail on input, credentials, permissions (the token list
            # refuses read-only tokens), visibility and throttling; writes also on conflicts,
            # and changes to an annotation on a stale or missing version.
            codes = [code for code in ERROR_DESCRIPTIONS if code not in ("409", "412", "428")]
            if method != "get":
                codes.append("409")
                if path.startswith("/api/annotations/{id}/"):
                    codes += ["412", "428"]
            for code in codes:
                if code in responses:
                    continue
                schema_name = "StaleVersion" if code == "412" else "Error"
                responses[code] = {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{schema_name}"}
                        }
                    },
                }
    return result


def bound_path_parameters(result, generator, request, public):
    """drf-spectacular postprocessing hook: an id in a path is an object id (1 to MAX_ID; any
    other number names nothing, a 404) and a slug at most SLUG_MAX_LENGTH characters, so that
    the schema bounds every path it allows."""
    for operation in _operations(result):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "path":
                continue
            schema = parameter.setdefault("schema", {})
            if schema.get("type") == "integer":
                schema.update(ID_SCHEMA)
            elif schema.get("type") == "string" and "maxLength" not in schema:
                schema["maxLength"] = SLUG_MAX_LENGTH
    return result


# Text without NUL: DRF's and Django's text fields refuse it (ProhibitNullCharactersValidator)
# with a 400, since no database column stores it.
NO_NUL_PATTERN = "^[^\\u0000]*$"


# A web address as Django's URLValidator (DRF's URLField) accepts it: http(s) or ftp(s), a
# host name of labels of at most 63 characters and a top-level domain, at most 253 in all (up
# to three labels: 3 × 64 + 61), an optional port, then anything but spaces. (A URI in
# general — `format: uri` — may be "a:b", which the server refuses with a 400.)
URL_PATTERN = (
    r"^(https?|ftps?)://([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\.){1,3}[A-Za-z]{2,61}"
    r"(:[0-9]{1,5})?([/?#][!-~]*)?$"
)


def _text_without_nul(schema: dict) -> None:
    """Give every free text in `schema` (a string with no enum, format or pattern of its own,
    at any depth) the pattern that excludes NUL, and every web address the form the server
    accepts."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema):
        schema["pattern"] = NO_NUL_PATTERN
    if schema.get("format") == "uri" and "pattern" not in schema:
        schema["pattern"] = URL_PATTERN
    for key in ("properties",):
        for value in schema.get(key, {}).values():
            _text_without_nul(value)
    for key in ("items", "additionalProperties"):
        _text_without_nul(schema.get(key))
    for key in ("allOf", "oneOf", "anyOf"):
        for value in schema.get(key, []):
            _text_without_nul(value)


def refuse_nul_in_text(result, generator, request, public):
    """drf-spectacular postprocessing hook: the free text a request sends — in its body or its
    query string — is stated without NUL, which the server refuses (400)."""
    components = result.get("components", {}).get("schemas", {})
    request_components = set()
    for operation in _operations(result):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query":
                _text_without_nul(parameter.get("schema"))
        for content in operation.get("requestBody", {}).get("content", {}).values():
            schema = content.get("schema", {})
            ref = schema.get("$ref", "")
            if ref:
                request_components.add(ref.rsplit("/", 1)[-1])
            else:
                _text_without_nul(schema)
    for name in request_components:
        _text_without_nul(components.get(name))
    return result
