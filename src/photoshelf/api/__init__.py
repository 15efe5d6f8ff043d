"""The JSON API (django-ninja): parse, call the gallery or the ingest pipeline, serialize."""
