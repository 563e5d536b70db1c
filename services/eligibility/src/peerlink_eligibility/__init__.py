"""Eligibility: one decision per (person, centre), from facts, the centre's policy and today."""
