from django.db import models


class AccountError(models.TextChoices):
    """Error codes of the accounts API; the label is the message clients see."""

    EMAIL_TAKEN = "email_taken", "An account with this email already exists."
    # One message for an unknown email, a wrong password and an inactive
    # account, so that the answer tells nobody which emails exist.
    INVALID_CREDENTIALS = (
        "invalid_credentials",
        "Unable to log in with the given email and password.",
    )
    PASSWORD_INCORRECT = "password_incorrect", "The current password is not correct."
    INVALID_UID = "invalid_uid", "This reset link is not valid."
    INVALID_TOKEN = (
        "invalid_token",
        "This reset link is not valid or has already been used.",
    )
