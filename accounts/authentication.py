"""
Token authentication: knox tokens in `Authorization: Token <key>`.

Knox stores only a digest of each key, one row per login, with an expiry
from `REST_KNOX["TOKEN_TTL"]`. Its authenticator is used with two changes:

- A key which cannot be a knox key (bytes that are not printable ASCII) is
  refused with a 401 before it reaches knox, which would otherwise fail on
  decoding it or pass it to the database.
- Knox reads all of the user's tokens on every request, to delete the
  expired ones. Here a request checks only its own token, and the user's
  expired tokens are deleted at each login (`accounts.services.issue_token`):
  one query per authenticated request instead of two.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        if not _is_printable_ascii(token):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token):
        """True (and the token deleted) when `auth_token` has expired."""
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(
            sender=self.__class__, username=username, source="auth_token"
        )
        return True


def _is_printable_ascii(raw):
    return all(0x21 <= byte <= 0x7E for byte in raw)


class TokenAuthenticationScheme(KnoxTokenScheme):
    """Documents the `Token` header for the subclass above in the schema."""

    target_class = "accounts.authentication.TokenAuthentication"
