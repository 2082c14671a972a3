"""The promotion engine: dependency walk, continuity, folder mirroring and the promotion run."""
