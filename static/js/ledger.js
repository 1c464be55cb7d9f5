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

// Filter forms: typing a date means a custom period, and choosing a preset period clears the dates, so that
// what the form shows is what the next page applies.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.elements.period) return;
    var period = form.elements.period;
    if ((field.name === "start" || field.name === "end") && field.value) {
      period.value = "custom";
    } else if (field === period && period.value !== "custom") {
      if (form.elements.start) form.elements.start.value = "";
      if (form.elements.end) form.elements.end.value = "";
    }
  });
})();
