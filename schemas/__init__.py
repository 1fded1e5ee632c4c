"""JSON Schemas (2020-12) for the entry envelope and every entry type; package data."""
