// The steward's review of a civil registry event starts on its first control: the confirmation,
// else the first candidate, else "leave it". Keys 1 to 9 choose a candidate (Enter then
// confirms, Esc chooses again), X closes the event as nobody in the registry, N leaves it for
// later: keys.js presses them.
(function () {
  "use strict";
  var first = document.getElementById("confirm-choice") || document.getElementById("choose-1") ||
    document.getElementById("next-event");
  if (first) {
    first.focus();
  }
})();
