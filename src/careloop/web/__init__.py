"""The FastAPI application: REST API under /api/v1 and the staff UI."""
