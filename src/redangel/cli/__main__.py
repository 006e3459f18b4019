"""`python -m redangel.cli`: the same command as `redangel`."""

from redangel.cli import main

main()
