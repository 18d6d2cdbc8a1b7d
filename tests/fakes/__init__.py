"""Shared test factories and fakes of remote APIs (each listening on 127.0.0.1 only)."""
