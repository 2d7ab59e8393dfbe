## report messages (English). Ids start with "report-"; ja/report.ftl holds the same ids with the same variables.

