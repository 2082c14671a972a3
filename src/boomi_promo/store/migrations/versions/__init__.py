"""Migration scripts, oldest first; each one is reviewed by hand, never edited once released."""
