// NexusState: the memory-mapped append-only log.
