"""The workspace's writers, one module per kind of action; each is a transaction that checks the
actor's rights and book, writes, and audits."""
