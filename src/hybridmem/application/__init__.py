"""Use cases. They orchestrate the domain through ports and know no framework."""
