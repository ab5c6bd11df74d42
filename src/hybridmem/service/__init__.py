"""FastAPI delivery: settings, container, routers, error mapping and CLI."""
