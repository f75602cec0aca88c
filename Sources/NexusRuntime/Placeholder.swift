// NexusRuntime
