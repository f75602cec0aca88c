// NexusSystem
