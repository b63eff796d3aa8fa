"""Database plumbing: metadata, column types, engines and sequences."""
