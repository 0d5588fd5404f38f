"""gunicorn's settings for Claimdesk: the one place they are set. gunicorn reads this file from
the folder it is started in, so start it from the project's root (`gunicorn config.wsgi`);
options given on its command line (`--workers`, `--bind`) come on top."""

# The longest request line (method, path and query string, in bytes) gunicorn reads; a longer
# one is answered 414 before Claimdesk sees it. gunicorn's default, 4,094, is shorter than some
# requests the API schema allows (every filter of /api/claims/ at its longest, in non-Latin
# script, percent-encoded), so it is raised to the most gunicorn allows.
# tests/security/test_request_limits.py adds up the longest request line of every operation
# in the schema and keeps it within this limit.
limit_request_line = 8190
