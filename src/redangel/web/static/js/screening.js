/* The screening form: show the questions of the life event chosen, at once (without this
   script the page asks for them after the first answer); at a kiosk, clear the screen after a
   minute without a touch, and follow a card tapped meanwhile. Nothing is stored in the
   browser. */
"use strict";

(() => {
  const choice = document.getElementById("event");
  if (!choice) return;
  const groups = document.querySelectorAll(".event-questions");
  const show = () => {
    for (const group of groups) group.hidden = group.dataset.event !== choice.value;
  };
  choice.addEventListener("change", show);
  show();

  // At a kiosk, answers left on the screen are cleared after a minute without a touch.
  if (document.body.classList.contains("kiosk")) {
    let timer = 0;
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(() => location.replace("/kiosk?lang=es"), 60000);
    };
    for (const kind of ["pointerdown", "keydown", "touchstart", "input"]) {
      document.addEventListener(kind, restart, { passive: true, capture: true });
    }
    restart();
    // A card tapped meanwhile opens the citizen's own screen (the kiosk's idle screen first
    // takes the session's proof from the card agent, then shows it).
    const poll = async () => {
      try {
        const answer = await fetch("/kiosk/state", { cache: "no-store", credentials: "same-origin" });
        const state = answer.ok && !answer.redirected ? await answer.json() : null;
        if (state && (state.session || state.card)) {
          location.replace(state.session ? "/kiosk/me" : "/kiosk");
          return;
        }
      } catch (_) { /* keep the form */ }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 1000);
  }
})();
