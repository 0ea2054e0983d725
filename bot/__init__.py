"""Build-vs-Buy Advisor: tells teams whether to buy, wrap, fine-tune or build AI."""

__version__ = "0.1.0"
