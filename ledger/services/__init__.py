"""The services layer: the only thing views call. Selectors read from vendors through the clients."""
