// Keyboard shortcuts of the steward's review pages: a key presses the control of the page's main
// part that carries it (data-key="s", "1", "escape"...), unless the steward is typing in a field
// or holds a modifier. Every control stays usable with Tab and Enter, and by mouse.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      return;
    }
    var key = (event.key || "").toLowerCase();
    if (!/^([0-9a-z]|escape)$/.test(key)) {
      return;
    }
    var control = document.querySelector('main [data-key="' + key + '"]');
    if (control) {
      event.preventDefault();
      control.click();
    }
  });
})();
