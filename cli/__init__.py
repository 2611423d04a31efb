"""The command line: staff commands and the daemon's entry point (output in Chinese)."""
