## daemon messages (English). Ids start with "daemon-"; ja/daemon.ftl holds the same ids with the same variables.

