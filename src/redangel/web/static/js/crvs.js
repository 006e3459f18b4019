// The steward's review of a civil registry event: keys 1 to 9 choose that candidate (Enter then
// confirms, Esc chooses again), X closes the event as nobody in the registry, N leaves it for
// later (or goes to the next one), unless the steward is typing in a field. Every control stays
// usable with Tab and Enter, and by mouse.
(function () {
  "use strict";
  var first = document.getElementById("confirm-choice") || document.getElementById("choose-1") ||
    document.getElementById("next-event");
  if (first) {
    first.focus();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      return;
    }
    var key = (event.key || "").toLowerCase();
    if (!/^([1-9xn]|escape)$/.test(key)) {
      return;
    }
    var control = document.querySelector('main [data-key="' + key + '"]');
    if (control) {
      event.preventDefault();
      control.click();
    }
  });
})();
