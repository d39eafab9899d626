"""Helpers shared by the tests (and benches): never a test module imported by another."""
