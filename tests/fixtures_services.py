"""Fixtures for real services: an in-process Celery worker, Celery beat, a loopback SMTP server."""
