"""
The Redis cache backend: django-redis, plus one call that adds to counters
and reads values in a single round trip.

A throttled read of a cached body needs both, the rate limit's count and
the body with its generations (`ravoos_pansy.caching.lookup`). Sent apart
they cost two round trips to Redis per request; pipelined, one, which
takes a tenth to a fifth off a cached read's CPU time (docs/benchmarks.md).
"""

import socket

from django_redis.cache import RedisCache as DjangoRedisCache
from django_redis.cache import omit_exception
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError, ResponseError, TimeoutError

# What django-redis itself treats as Redis being out of reach.
UNREACHABLE = (ConnectionError, ResponseError, TimeoutError, socket.timeout)

# INCR creates a missing key at 1 without an expiry; the first increment
# sets it, in the same atomic step, so no counter can outlive its window.
INCREMENT_IN_WINDOW = """
local count = redis.call("INCR", KEYS[1])
if count == 1 then
    redis.call("EXPIRE", KEYS[1], ARGV[1])
end
return count
"""


class RedisCache(DjangoRedisCache):
    @omit_exception
    def count_and_get_many(self, counters, keys):
        """
        Adds one to each of `counters` (`ravoos_pansy.caching.Counter`) and
        reads `keys`, in one round trip. Returns the new counts by counter
        key and the values found by key; None when Redis cannot be reached
        (logged, as django-redis logs its own calls).
        """
        client = self.client.get_client(write=True)
        made_keys = [self.client.make_key(key) for key in keys]

        pipeline = client.pipeline(transaction=False)
        for counter in counters:
            pipeline.eval(
                INCREMENT_IN_WINDOW,
                1,
                self.client.make_key(counter.key),
                counter.seconds,
            )
        if made_keys:
            pipeline.mget(made_keys)
        try:
            replies = pipeline.execute()
        except UNREACHABLE as error:
            raise ConnectionInterrupted(connection=client) from error

        counts = {
            counter.key: int(count)
            for counter, count in zip(counters, replies, strict=False)
        }
        values = replies[len(counters)] if made_keys else []
        found = {
            key: self.client.decode(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }
        return counts, found
