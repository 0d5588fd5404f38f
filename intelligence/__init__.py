"""Claim intelligence computed offline: foreign-word insertions, sentences, suggested claims."""
