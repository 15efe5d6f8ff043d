"""The JSON API (django-ninja): parse, call the gallery, serialize; answers in http/answers.py."""
