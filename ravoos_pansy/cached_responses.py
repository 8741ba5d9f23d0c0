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
            if not _is_cacheable_query(request.query_params, query_params):
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
            )
            if slot.value is not None:
                content_type, content = slot.value
                return HttpResponse(content, content_type=content_type)
            view.response_cache_slot = slot
            return get(view, request, *args, **kwargs)

        return cached

    return decorator


def _is_cacheable_query(params, allowed):
    return all(name in allowed and len(params.getlist(name)) == 1 for name in params)


class CachedResponseMixin:
    """Stores the 200 bodies a `cached_get` view renders on a miss."""

    response_cache_slot = None

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
