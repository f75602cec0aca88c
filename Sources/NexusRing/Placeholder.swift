// NexusRing
