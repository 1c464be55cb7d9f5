"""One family of vendor errors. Each carries a message a support agent understands (translated at
display time) and never a secret, a token or a full URL; the HTTP status and vendor code are kept for logs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class VendorError(Exception):
    """Base of every failure talking to a vendor."""

    default_message = _("The vendor could not be reached or answered with an error.")
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        vendor: str = "",
        status: int | None = None,
        code: str | int | None = None,
    ) -> None:
        self.message = message or str(self.default_message)
        self.vendor = vendor
        self.status = status
        self.code = code
        super().__init__(self.message)

    def user_message(self) -> str:
        """Text for the panel; translated in the active language."""
        return str(self.message)

    def __str__(self) -> str:
        parts = [str(self.message)]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None:
            parts.append(f"code {self.code}")
        return " · ".join(parts)


class VendorUnavailable(VendorError):
    default_message = _("The vendor's service cannot be reached right now.")


class VendorTimeout(VendorUnavailable):
    default_message = _("The vendor did not answer in time.")


class VendorAuthError(VendorError):
    default_message = _("The vendor refused our credentials. An admin should check this connection.")
    retryable = False


class VendorRateLimited(VendorError):
    default_message = _("The vendor is limiting how often we may call. Try again in a moment.")


class VendorBadResponse(VendorError):
    default_message = _("The vendor answered with something we could not read.")


class VendorRejected(VendorError):
    """The vendor answered with its own error code; its message is shown as it is."""

    default_message = _("The vendor rejected the request.")
    retryable = False

    def user_message(self) -> str:
        return str(_("The vendor rejected the request: %(message)s") % {"message": self.message})


class VendorNotSupported(VendorError):
    """The connection's vendor has no such capability (a programming error or a stale link)."""

    default_message = _("This vendor does not offer that.")
    retryable = False


class VendorTokenRejected(VendorAuthError):
    """The vendor refused the access token of a call (expired, or replaced by a newer one).

    Clients answer it by fetching a new token once and repeating the call once; raised again, it is
    an ordinary VendorAuthError for the panel."""

    default_message = _("The vendor refused our access token. An admin should check this connection.")


class VendorQueryError(VendorError):
    """The query cannot be sent to this vendor as asked (a filter it lacks, a page size or date range
    beyond its limits). The forms prevent these; being a VendorError, a slip degrades one panel, not the page."""

    default_message = _("This search cannot be sent to the vendor.")
    retryable = False
