"""The FAQ desk: the knowledge base in the database, the in-process index every replica keeps fresh,
asking with a query log, feedback, and the numbers the digest reports (自己解決率)."""
