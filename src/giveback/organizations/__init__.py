"""Host organizations: national and regional societies, and hospitals."""
