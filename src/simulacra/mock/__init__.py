"""Data without real data: spec-driven mock tables, PII replacement, a mock REST API."""
