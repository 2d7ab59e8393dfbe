## explain messages (English). Ids start with "explain-"; ja/explain.ftl holds the same ids with the same variables.

