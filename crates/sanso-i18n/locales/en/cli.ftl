## cli messages (English). Ids start with "cli-"; ja/cli.ftl holds the same ids with the same variables.

