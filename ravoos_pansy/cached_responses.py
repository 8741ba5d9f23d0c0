"""
Whole bodies of read routes, answered from the cache until what they show
changes (`ravoos_pansy.caching`).

A view opts in by mixing in `CachedResponseMixin` and decorating its `get`
with `cached_get`, naming the generations of the data the body shows. The
key is the absolute URL, because bodies hold absolute links (images, the
next page), plus those generations' names, which tell one customer's body
from another's. Only queries made of the parameters a route reads, each
once, are cached: any other query string is answered from the database, so
made-up parameters cannot fill the cache.

Such a `get` also counts the request against the view's throttles itself,
in the lookup's round trip to the cache (`ravoos_pansy.caching.lookup`)
rather than in one of their own before it: a cached read then costs one
round trip to Redis instead of two. A throttled request is still refused
before the view runs a query.
"""

import functools

from django.http import HttpResponse
from rest_framework import status
from rest_framework.response import Response

from . import caching


def cached_get(*, generation_keys, query_params=()):
    """
    Decorates a view's `get`: a body cached for the same URL and
    generations is answered at once, without the view's queries.

    `generation_keys` is a tuple, or a function of the request giving one
    (for data that belongs to the signed-in user); `query_params` are the
    parameters whose values may vary the body.
    """

    def decorator(get):
        @functools.wraps(get)
        def cached(view, request, *args, **kwargs):
            counters = view.throttle_counters(request)
            if not _is_cacheable_query(request.query_params, query_params):
                counts = caching.count_all(list(counters.values()))
                view.check_throttle_counts(request, counters, counts)
                return get(view, request, *args, **kwargs)

            keys = (
                generation_keys(request)
                if callable(generation_keys)
                else generation_keys
            )
            slot = caching.lookup(
                f"response:{type(view).__name__}",
                variant="|".join([*keys, request.build_absolute_uri()]),
                generation_keys=keys,
                counters=list(counters.values()),
            )
            view.check_throttle_counts(request, counters, slot.counts)
            if slot.value is not None:
                content_type, content = slot.value
                return HttpResponse(content, content_type=content_type)
            view.response_cache_slot = slot
            return get(view, request, *args, **kwargs)

        cached.counts_throttles = True
        return cached

    return decorator


def _is_cacheable_query(params, allowed):
    return all(name in allowed and len(params.getlist(name)) == 1 for name in params)


class CachedResponseMixin:
    """
    Stores the 200 bodies a `cached_get` view renders on a miss, and leaves
    the throttles of its `get` to it.
    """

    response_cache_slot = None

    def check_throttles(self, request):
        handler = getattr(self, request.method.lower(), None)
        if getattr(handler, "counts_throttles", False):
            return  # Counted by `cached_get`, with its lookup.
        super().check_throttles(request)

    def throttle_counters(self, request):
        """The counter each of the view's throttles adds this request to."""
        counters = {}
        for throttle in self.get_throttles():
            counter = throttle.counter(request, self)
            if counter is not None:
                counters[throttle] = counter
        return counters

    def check_throttle_counts(self, request, counters, counts):
        """Refuses the request (429) if a count is over its throttle's rate."""
        refused = [
            throttle
            for throttle, counter in counters.items()
            if not throttle.allow_count(request, counts[counter.key])
        ]
        if refused:
            self.throttled(request, max(throttle.wait() for throttle in refused))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        slot = self.response_cache_slot
        if (
            slot is not None
            and isinstance(response, Response)
            and response.status_code == status.HTTP_200_OK
        ):
            response.render()
            caching.store(slot, (response["Content-Type"], response.content))
        return response
