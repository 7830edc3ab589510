"""Case corpora: generated from a rule set's profile (`generate.yaml`), imported from a body's
register, and read back as (id, case) pairs for impact analysis."""
from .generate import generate_cases, write_corpus
from .profile import load_profile

__all__ = ["generate_cases", "write_corpus", "load_profile"]
