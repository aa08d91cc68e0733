"""What the web app and the checker share. Imports nothing from Reflex."""
