"""Pure rules of the collector workspace: next follow-ups, offers within policy."""
