"""One module (or package) per check; each exposes `add_arguments` and `run`."""
