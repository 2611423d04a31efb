"""Fixtures shared by the processing tests."""

from tests.processing.routing_fixtures import router

__all__ = ["router"]
