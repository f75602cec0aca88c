// NexusHTTP1
