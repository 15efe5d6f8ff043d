"""The processing stages of a file, pure (no Django, no database): decode, metadata, policy,
renditions, fingerprint, run in that order by steps.py; the gallery's library stores the result."""
