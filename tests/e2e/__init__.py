"""End-to-end journeys in headless Chromium (a package, so its server and browser stop after its last test)."""
