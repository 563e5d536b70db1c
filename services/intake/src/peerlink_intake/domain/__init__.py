"""Intake's pure rules: which facts are coherent enough to record."""
