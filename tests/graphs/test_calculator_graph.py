"""The calculator graph answers with its exact tools, and refuses code."""
