// NexusAdminModel: the admin API's request and response types, shared by nexusd and nexusctl.
