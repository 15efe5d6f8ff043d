"""photoshelf: a self-hosted photo upload and gallery service."""

__version__ = "0.1.0"
