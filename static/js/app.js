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

// The lookup page (the support desk): its own search box takes "/" where the top bar has none, and the copy
// buttons beside ids copy the id (no inline scripts: the CSP will not allow them).
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
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button || !navigator.clipboard) return;
    var label = button.textContent;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
})();
