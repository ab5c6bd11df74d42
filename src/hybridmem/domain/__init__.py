"""The pure core: models and rules with no I/O and no framework imports."""
