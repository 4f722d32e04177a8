"""Pages of the app, one module per audience (public, employer, organizer, …)."""
