// The steward's review page: keys S (same person), D (different persons) and N (skip) press
// the matching button, unless the steward is typing in a field. The buttons stay usable with
// Tab and Enter, and by mouse.
(function () {
  "use strict";
  var form = document.getElementById("decide-form");
  if (!form) {
    return;
  }
  var same = document.getElementById("decide-same");
  if (same) {
    same.focus();
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
    var button = form.querySelector('button[data-key="' + key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
