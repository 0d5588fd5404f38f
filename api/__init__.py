"""The API for programs, one module per resource: claims (with ClaimReview and the JSON Lines
export), appearances, annotations (review actions, versions, history, W3C Web Annotation),
evidence, tags, a capture's analysis, agreement and the change feed; `linked_data` holds the
JSON-LD pieces they share and `urls` routes them all (the archive's resources included) under
/api/. Reads are built on the QuerySet methods and the publication layer; writes validate
their input, call a service, and answer with the read representation
(`publication.representations`)."""
