"""Schemathesis hooks: JSON Lines bodies are sent as the text generated for them."""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
schemathesis.serializer.alias("application/jsonl", "text/plain")
