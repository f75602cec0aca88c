// NexusRouting: the route table (host, path, method) built from rules and resolved per request.
