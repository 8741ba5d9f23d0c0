"""The API's JSON renderer."""

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    """
    DRF's JSON renderer, which also renders text that UTF-8 cannot hold.

    JSON may escape a lone surrogate ("\\ud800"), and an error that quotes
    the input back ('"\\ud800" is not a valid choice.') would then fail to
    encode as UTF-8 and become a 500. Such a body is written with every
    non-ASCII character escaped, which any JSON parser reads back as the
    same text; all other bodies stay as they are.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _ASCIIJSONRenderer().render(
                data, accepted_media_type, renderer_context
            )


class _ASCIIJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True
