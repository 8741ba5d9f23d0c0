"""
Token authentication: knox tokens in `Authorization: Token <key>`.

Knox stores only a digest of each key, one row per login, with an expiry
from `REST_KNOX["TOKEN_TTL"]`. Its authenticator is used as is, except that
a key which cannot be a knox key (bytes that are not printable ASCII) is
refused with a 401 before it reaches knox, which would otherwise fail on
decoding it or pass it to the database.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        if not _is_printable_ascii(token):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


def _is_printable_ascii(raw):
    return all(0x21 <= byte <= 0x7E for byte in raw)


class TokenAuthenticationScheme(KnoxTokenScheme):
    """Documents the `Token` header for the subclass above in the schema."""

    target_class = "accounts.authentication.TokenAuthentication"
