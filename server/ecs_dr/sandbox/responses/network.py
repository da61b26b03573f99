"""network actions."""
