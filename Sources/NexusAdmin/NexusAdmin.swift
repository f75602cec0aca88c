// NexusAdmin: the admin API served on the local Unix socket.
