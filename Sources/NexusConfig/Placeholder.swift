// NexusConfig
