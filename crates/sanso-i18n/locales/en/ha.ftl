## ha messages (English). Ids start with "ha-"; ja/ha.ftl holds the same ids with the same variables.

