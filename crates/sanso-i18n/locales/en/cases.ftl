## cases messages (English). Ids start with "cases-"; ja/cases.ftl holds the same ids with the same variables.

