"""Domain services: one verb function per change. They take the actor explicitly, check permission and
state, change rows, append the audit event and flush; the request (or CLI command) commits."""
