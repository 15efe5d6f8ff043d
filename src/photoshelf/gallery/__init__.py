"""The gallery: the Image model, its migrations and the queries that page through it."""
