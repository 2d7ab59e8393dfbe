## netns messages (English). Ids start with "netns-"; ja/netns.ftl holds the same ids with the same variables.

