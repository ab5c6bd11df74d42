"""HTTP routers; each receives application services through ``deps``."""
