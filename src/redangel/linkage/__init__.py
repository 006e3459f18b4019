"""Merging two registry records of one person into one, and undoing it."""
