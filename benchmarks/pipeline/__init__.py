"""`make bench-pipeline`: the real pipeline against a hand-written relay, side by side.

Open-loop load of graduates' facts into a clinic's topic (`clinic-inbound.bench`), latency to
the person's `EligibilityChanged` (eligible) and to their booking message, a sweep for each side's
sustainable rate, then percentiles at half that rate. `python -m benchmarks.pipeline --help`.
"""
