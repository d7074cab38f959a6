"""Mutation-testing kills: ingest (see docs/testing.md)."""
