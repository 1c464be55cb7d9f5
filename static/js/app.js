// Small behaviours of our own; htmx does the rest.
(function () {
  "use strict";
  // "/" focuses the member search box, unless the user is typing somewhere already.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var box = document.getElementById("global-search");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();

// Browsers without ::details-content cannot lay a closed <details> out inline: on wide screens, open the
// folded navigation and filter forms instead (their summaries are hidden there).
(function () {
  "use strict";
  if (window.CSS && CSS.supports && CSS.supports("selector(::details-content)")) return;
  function unfold() {
    if (!window.matchMedia("(min-width: 641px)").matches) return;
    document.querySelectorAll("details.nav-menu, details.filter-fold").forEach(function (details) {
      details.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", unfold);
  document.addEventListener("htmx:afterSettle", unfold);
})();

// The menu closes on Escape and on a click outside it, as a menu does.
(function () {
  "use strict";
  function closeMenus(except) {
    document.querySelectorAll("details.nav-menu[open], details.user-menu[open]").forEach(function (details) {
      if (!details.contains(except) && window.matchMedia("(max-width: 640px)").matches) details.open = false;
      else if (!details.contains(except) && details.classList.contains("user-menu")) details.open = false;
    });
  }
  document.addEventListener("click", function (event) { closeMenus(event.target); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();

// The lookup page (the support desk): its own search box takes "/" where the top bar has none.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.getElementById("global-search")) return; // the top bar's box has it
    var target = event.target;
    // "/" in the page's own empty box (focused on arrival) is the shortcut, not the start of a search.
    if (target && target.id === "member-search-q" && !target.value) {
      event.preventDefault();
      return;
    }
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var box = document.getElementById("member-search-q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();

// A copy button after every element with data-copy (ids, record ids), in the labels <body> carries. Made here,
// not in the templates: without a clipboard (no JavaScript, or plain HTTP, which browsers give none) a button
// could only fail.
(function () {
  "use strict";
  function addCopyButtons() {
    if (!navigator.clipboard) return;
    var label = document.body.getAttribute("data-copy-label");
    document.querySelectorAll("[data-copy]:not([data-copy-ready])").forEach(function (element) {
      element.setAttribute("data-copy-ready", "");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button link-button";
      button.textContent = label;
      button.setAttribute("aria-label", label + " " + element.getAttribute("data-copy"));
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(element.getAttribute("data-copy")).then(function () {
          button.textContent = document.body.getAttribute("data-copied-label");
          window.setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
      element.after(" ", button);
    });
  }
  document.addEventListener("DOMContentLoaded", addCopyButtons);
  document.addEventListener("htmx:afterSettle", addCopyButtons);
})();
