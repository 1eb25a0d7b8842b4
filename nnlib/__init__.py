"""nnlib: a small, readable neural network library on NumPy or CuPy."""

__version__ = "0.1.0"
