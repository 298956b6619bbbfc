"""NHS Wales planning policy graph: sources -> RDF with provenance -> OWL-RL -> SHACL.

The public API is small: :func:`build.build` makes the artefact, :func:`store.open_store`
opens it, :mod:`queries` runs the named SPARQL files and :mod:`trace` walks an item to
its sources.
"""

__version__ = "0.1.0"
