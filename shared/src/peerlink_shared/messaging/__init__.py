"""Events on Kafka: the envelope, parsing and refusing, consuming, the inbox and outbox,
publishing, the topic catalogue, sealing, dead letters and the AsyncAPI documents.
"""
