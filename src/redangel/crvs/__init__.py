"""The civil registry's door: births, deaths, death reversals and corrections notified over the
DCI CRVS ↔ social-registry API, and what each one does to the registry."""
