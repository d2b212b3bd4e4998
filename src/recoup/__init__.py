"""recoup: a self-hosted accounts-receivable collections workbench."""

__version__ = "0.1.0"
