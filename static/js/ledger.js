// Ledger pages: an export link says "preparing…" until the download starts (the first byte arrives quickly,
// but a big export takes a while to begin when the vendor is slow).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.export-link") : null;
    if (!link || link.classList.contains("preparing")) return;
    var label = link.textContent;
    link.classList.add("preparing");
    link.setAttribute("aria-busy", "true");
    link.textContent = link.getAttribute("data-preparing") || "…";
    window.setTimeout(function () {
      link.classList.remove("preparing");
      link.removeAttribute("aria-busy");
      link.textContent = label;
    }, 8000);
  });
})();
