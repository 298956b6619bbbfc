"""The public SPARQL 1.1 endpoint, VoID, dumps and linked-data IRIs (read-only, bounded)."""
