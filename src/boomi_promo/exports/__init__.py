"""Files in and out of the store: the audit trail and delivery metrics as CSV or JSON, the
ComponentMappings as CSV (export and import), each shared by the CLI and the dashboard."""
