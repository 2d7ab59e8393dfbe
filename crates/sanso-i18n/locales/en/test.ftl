## test messages (English). Ids start with "test-"; ja/test.ftl holds the same ids with the same variables.

