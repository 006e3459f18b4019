"""redangel: one record per person for all of a city's social programs."""

__version__ = "0.1.0"
