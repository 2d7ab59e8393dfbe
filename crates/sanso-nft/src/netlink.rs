//! IR -> one nftnl netlink batch that replaces `table inet sanso` atomically.
