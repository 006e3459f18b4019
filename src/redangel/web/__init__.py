"""The pages people use: the clerk's office console, the citizen's kiosk, public screening."""
