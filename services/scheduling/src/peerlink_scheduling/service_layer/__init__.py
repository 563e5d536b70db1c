"""Scheduling's use cases, over the ports in `ports.py` (wired by `bootstrap.use_cases`):

- `staffing.Staffing.fill`: read who may serve, match, claim race-safely, announce;
- `requests.SessionRequests`: request a group session or a one-on-one meeting, cancel one;
- `eligibility.EligibilityFollowing`: release and re-staff as who may serve changes;
- `stays.StaysAndCentres`: keep centres and stays for matching;
- `forgetting.Forgetting`: erase a person;
- `schedule.Schedule`: what coordinators and supporters read and set besides.
"""
