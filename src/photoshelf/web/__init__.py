"""The server-rendered pages: gallery with upload form, image page, stored files."""
