"""The citizen's data rights (ARCO): access, rectification, cancellation and opposition.

The top of the order of domains: it reads and erases across every other one, through their
services where one exists and through its own repository for the erasure itself.
"""
