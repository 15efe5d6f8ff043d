"""The ingest pipeline: from an uploaded file to a stored image (see pipeline.py for the order)."""
