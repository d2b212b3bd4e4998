"""Background jobs that survive: retries on transient database errors, a record of every run."""
