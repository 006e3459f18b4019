// The steward's review of a pair starts on "same person"; keys S (same person), D (different
// persons) and N (skip) press the matching button: keys.js presses them.
(function () {
  "use strict";
  var same = document.getElementById("decide-same");
  if (same) {
    same.focus();
  }
})();
