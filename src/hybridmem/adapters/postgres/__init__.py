"""PostgreSQL: the system of record (accounts, sessions, messages, memory, jobs)."""
