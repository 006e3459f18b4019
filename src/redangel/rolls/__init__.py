"""Legacy agency rolls (padrones): read, standardise, link to the registry, review and merge."""
