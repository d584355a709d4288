"""System checks for the shared kernel (registered in CoreConfig.ready)."""
