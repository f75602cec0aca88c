// NexusServer
