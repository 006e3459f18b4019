"""The DCI (Digital Convergence Initiative) message envelope, as the `spdci/standards` repository
writes it: header, message and a signature over both; the standard's status reason codes and
its rejection answers. Shared by every DCI door of the registry (the social-registry search,
the civil registry's notifications); it knows no domain of its own.
"""
