"""What every domain's controllers share: error answers, templates, the layout."""
