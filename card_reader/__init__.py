"""The card agent: runs beside a card reader at an office desk or a kiosk.

Only `pcsc.py` imports pyscard; everything else is pure (APDUs, the card's protocol) or talks
to the redangel service over HTTP.
"""
