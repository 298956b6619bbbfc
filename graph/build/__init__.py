"""The build: sources -> RDF with provenance -> OWL-RL inference -> SHACL validation -> artefact."""
