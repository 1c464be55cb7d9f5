"""One family of vendor errors. Each carries a message a support agent understands (translated at
display time) and never a secret, a token or a full URL; the HTTP status and vendor code are kept for logs."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class VendorError(Exception):
    default_message = _("The vendor could not be reached or answered with an error.")
    # What a reader of a lookup panel is told; our technical message goes to admins only, the vendor's own text
    # and code behind "details".
    reader_text = _("%(vendor)s is having trouble right now. Try again in a moment.")
    # An admin fixes it on the connection (credentials, the server's clock): `message` is then an admin's hint.
    admin_fixes = False
    # `message` is always our own words, saying what to change: shown as it is, not repeated in the details.
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
        return str(self.message)

    def reader_message(self, vendor_name: object) -> str:
        """One sentence for whoever reads the page: what failed and what they can do."""
        if self.message_is_ours:
            return str(self.message)
        return str(self.reader_text) % {"vendor": vendor_name}

    @property
    def admin_hint(self) -> str:
        return str(self.message) if self.admin_fixes else ""

    @property
    def details(self) -> str:
        """The vendor's own words (a message not ours), its code and the HTTP status ("" when none)."""
        ours = self.admin_fixes or self.message_is_ours or self.message == str(self.default_message)
        parts = [] if ours else [str(self.message)]
        if self.code is not None:
            parts.append(gettext("code %(code)s") % {"code": self.code})
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        return " · ".join(parts)

    def __str__(self) -> str:
        status = "" if self.status is None else f" · HTTP {self.status}"
        return f"{self.message}{status}" + ("" if self.code is None else f" · code {self.code}")


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
    """The vendor has no such capability (a programming error or a stale link)."""

    default_message = _("This vendor does not offer that.")
    message_is_ours = True
    retryable = False


class VendorTokenRejected(VendorAuthError):
    """The vendor refused a call's access token (expired, or replaced): a new one is fetched and the call repeated
    once; raised again, it is an ordinary VendorAuthError for the panel."""

    default_message = _("The vendor refused our access token. An admin should check this connection.")


class VendorQueryError(VendorError):
    """A filter, page size or date range this vendor cannot take: the forms prevent it; a slip degrades a panel."""

    default_message = _("This search cannot be sent to the vendor.")
    message_is_ours = True
    retryable = False
