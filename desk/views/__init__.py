"""The journalists' pages, one module per workflow: `reading` (home, articles, the reader,
capture history, claims), `marking` (a span becomes a claim), `annotating` (assessments and
their evidence) and `review` (the workflow transitions and the editors' queue). Views read
through the QuerySet methods and write only through `annotations.services`, which enforce
`annotations.rules`; lookups 404 on anything the user may not see."""
