"""juesuan (决算): published final-account reports into one validated, comparable dataset."""

__version__ = "0.1.0"
