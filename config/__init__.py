"""Configuration: typed settings, start-up checks, and the runtime data (units, divisions)."""
