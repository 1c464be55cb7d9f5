"""One family of vendor errors. Each carries a message a support agent understands (translated at
display time) and never a secret, a token or a full URL; the HTTP status and vendor code are kept for logs."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class VendorError(Exception):
    """Base of every failure talking to a vendor."""

    default_message = _("The vendor could not be reached or answered with an error.")
    # What a reader is told, naming the vendor, and what they can do (the lookup panels); our own technical
    # message goes to admins only, the vendor's own text and code behind "details".
    reader_text = _("%(vendor)s is having trouble right now. Try again in a moment.")
    # Whether the failure is one an admin fixes on the connection (credentials, the server's clock).
    admin_fixes = False
    # Whether `message` is always our own words (then reader_message says it as it is, and details do not repeat
    # it): they say what to change.
    message_is_ours = False
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

    def reader_message(self, vendor_name: object) -> str:
        """One sentence for whoever reads the page, in their language: what failed and what they can do."""
        if self.message_is_ours:
            return str(self.message)
        return str(self.reader_text) % {"vendor": vendor_name}

    @property
    def vendor_text(self) -> str:
        """The vendor's own words, when it sent some: the message unless it is ours (the default, or an admin's
        hint, which may quote the vendor and is for admins only)."""
        if self.admin_fixes or self.message_is_ours or self.message == str(self.default_message):
            return ""
        return str(self.message)

    @property
    def admin_hint(self) -> str:
        """Our technical explanation, naming credentials or the clock: for admins only."""
        return str(self.message) if self.admin_fixes else ""

    @property
    def details(self) -> str:
        """The vendor's text, its code and the HTTP status, for the "details" disclosure ("" when none)."""
        parts = [self.vendor_text] if self.vendor_text else []
        if self.code is not None:
            parts.append(gettext("code %(code)s") % {"code": self.code})
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        return " · ".join(parts)

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
    reader_text = _("%(vendor)s did not answer in time. Try again in a moment.")


class VendorAuthError(VendorError):
    default_message = _("The vendor refused our credentials. An admin should check this connection.")
    reader_text = _("%(vendor)s refused the dashboard's connection. Ask an admin to check it.")
    admin_fixes = True
    retryable = False


class VendorRateLimited(VendorError):
    default_message = _("The vendor is limiting how often we may call. Try again in a moment.")
    reader_text = _("%(vendor)s is busy. Try again in a moment.")


class VendorBadResponse(VendorError):
    default_message = _("The vendor answered with something we could not read.")


class VendorRejected(VendorError):
    """The vendor answered with its own error code; its message is shown as it is."""

    default_message = _("The vendor rejected the request.")
    retryable = False
    reader_text = _("%(vendor)s could not answer this search. Try again; if it keeps happening, tell an admin.")

    def user_message(self) -> str:
        return str(_("The vendor rejected the request: %(message)s") % {"message": self.message})


class VendorNotSupported(VendorError):
    """The connection's vendor has no such capability (a programming error or a stale link)."""

    default_message = _("This vendor does not offer that.")
    message_is_ours = True
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
    message_is_ours = True
    retryable = False
