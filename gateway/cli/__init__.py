"""The argos command line."""
