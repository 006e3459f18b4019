"""Record linkage: which rows of an agency's roll are which persons of the registry.

Pure: rows in, scored pairs out (Fellegi–Sunter with EM-learned probabilities). No database.
"""
