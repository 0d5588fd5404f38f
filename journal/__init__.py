"""The journal: every editorial write, recorded by the service that makes it."""
