"""The expertise topics that profiles and requests refer to by slug."""
