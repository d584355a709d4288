"""Static tables of the demo centre (organisation, names, service items)."""
