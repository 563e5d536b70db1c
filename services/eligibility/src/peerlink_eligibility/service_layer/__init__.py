"""Eligibility's use cases, over the ports in `ports.py` (wired by `bootstrap.use_cases`):

- `fact_recording.FactRecording.record`: store a fact about a person, re-decide them;
- `fact_types.FACT_TYPES`: each person event, what is stored of it and what the rule reads;
- `reevaluation.Reevaluator.person`: re-decide one person, again if a write of theirs lost;
- `policy_changes.PolicyChanges`: change a centre's policy, then re-decide in bulk
  (`centre_reevaluation.CentreReevaluation`), tracked as a job;
- `policy_previews.PolicyPreviews.preview`: a policy what-if, over held facts
  (`preview_facts.PreviewFacts`);
- `decision_reviews.DecisionReviews.review_due`: re-decide what the clock may have changed;
- `decision_reads.DecisionReads`: what a centre may read of decisions;
- `person_erasure.PersonErasure.erase`: forget a person here;
- `announcements.Announcements`: EligibilityChanged, under ids fixed by their cause.
"""
