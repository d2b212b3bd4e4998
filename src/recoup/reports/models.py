"""The reports app keeps no tables of its own: exchange rates live with the ledger (ledger.FxRate)."""
