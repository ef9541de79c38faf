"""Host contacts, their claims on organizations, and the requests they post."""
