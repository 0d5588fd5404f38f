"""Signed webhooks: partners and editors told of changes to the public record by HTTP POST."""
