"""Reproduces the MSIA-matte paper's training: data, losses, schedule, loop, evaluation.
Imports ``matting``; never the app."""
