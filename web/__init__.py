"""Pages outside the admin panel: login, the expert portal, the public publicity page."""
