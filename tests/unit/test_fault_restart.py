"""Which failed server restarts the fault suite tries once more: only a start that ran out of
time. A refused login would meet the same refusal again, so it fails the run at once."""

from peerlink_devtools.fault.cluster import only_ran_out_of_time

TIMED_OUT = (
    "[local-servers] kafka did not answer within 180s; the log's last lines:\n"
    "... \n[local-servers] the probe's last error: ConnectionRefusedError: [Errno 111]"
)
REFUSED = (
    "[local-servers] kafka did not answer within 180s; the log's last lines:\n"
    "[local-servers] the probe's last error: SASL authentication failed (error 58)"
)


def test_a_start_that_ran_out_of_time_is_tried_again() -> None:
    assert only_ran_out_of_time(TIMED_OUT)


def test_a_refused_login_is_not_tried_again() -> None:
    assert not only_ran_out_of_time(REFUSED)


def test_any_other_failure_is_not_tried_again() -> None:
    assert not only_ran_out_of_time('FATAL: lock file "postmaster.pid" already exists')
    assert not only_ran_out_of_time("")
