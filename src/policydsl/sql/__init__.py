"""The one semantics lowered to SQL (sqlglot expressions), and the dialects it is written in."""
