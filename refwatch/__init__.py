"""RefWatch: document detentions and forced returns; publish numbers that hold up."""
__version__ = "0.1.0"
