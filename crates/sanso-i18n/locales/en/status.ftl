## status messages (English). Ids start with "status-"; ja/status.ftl holds the same ids with the same variables.

