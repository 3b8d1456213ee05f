"""The read-only open-data JSON API (/api/v1) and its OpenAPI document."""
