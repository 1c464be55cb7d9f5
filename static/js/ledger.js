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
