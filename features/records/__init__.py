"""Records: validation of contacts, agent states and agents, source mappings, file I/O and the
loaders of the real public data sets. Pure of the store; imports only the package root."""
