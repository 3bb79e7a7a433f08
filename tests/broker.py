"""The Celery app's broker connections, for the tests that talk to the real Redis broker."""


def reset_broker_pool(app):
    """Close the Celery app's connections and let the next publish open new ones (a closed pool refuses every
    acquire, eager tasks included, for the rest of the test session; a connection a broker-down test left behind
    is unusable by the next test's in-thread worker)."""
    from kombu import pools

    app.pool.force_close_all()
    pools.reset()  # kombu keeps one pool per broker address: forget the closed ones
    app._pool = None
    app.amqp._producer_pool = None
