/* The kiosk screen's behaviour: wait for a tap, send the PIN to the card agent, end on removal
   or after a minute without a touch. Plain ES2020, no personal data kept anywhere: nothing in
   localStorage/sessionStorage, no personal data in addresses, every screen change uses
   location.replace so Back has nothing personal to show. */
"use strict";

(() => {
  const root = document.getElementById("kiosk");
  if (!root) return;
  const screen = root.dataset.screen;
  const agent = root.dataset.agent || "";
  const lang = document.documentElement.lang === "en" ? "en" : "es";
  const idleMs = Number(root.dataset.idleSeconds || "60") * 1000;
  const POLL_MS = 1000;
  const ENDED = "/kiosk/ended?lang=es";

  const text = (key) => root.dataset[key] || "";
  const inWords = (message) => (message && (message[lang] || message.es)) || "";

  async function agentCall(path, body) {
    const options = { cache: "no-store", mode: "cors", credentials: "omit" };
    if (body !== undefined) {
      options.method = "POST";
      options.headers = { "Content-Type": "application/json" };
      options.body = JSON.stringify(body);
    }
    const answer = await fetch(agent + path, options);
    return { status: answer.status, body: await answer.json() };
  }

  async function sessionOpen() {
    const answer = await fetch("/kiosk/state", { cache: "no-store", credentials: "same-origin" });
    if (answer.redirected && answer.url.includes("/kiosk/setup")) return { session: false };
    if (!answer.ok || !(answer.headers.get("content-type") || "").includes("json")) return null;
    return answer.json();
  }

  // The agent hands its own screen the proof of the card session it opened; the service keeps
  // it in an HttpOnly cookie and shows the citizen's views only to the screen holding it.
  async function bindScreen(token) {
    const answer = await fetch("/kiosk/screen", {
      method: "POST", cache: "no-store", credentials: "same-origin",
      headers: { "X-Kiosk-Screen": "1", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }),
    });
    return answer.status === 204;
  }

  function wipe() {
    const main = document.getElementById("main");
    if (main) main.replaceChildren();
  }

  let leaving = false;
  function leave() {
    if (leaving) return;
    leaving = true;
    wipe();
    location.replace(ENDED);
  }

  // A page restored from the back-forward cache is never shown: ask the server again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) location.replace("/kiosk");
  });

  if (screen === "idle") {
    const status = document.getElementById("agent-status");
    const show = (words, tone) => {
      if (status.textContent !== words) status.textContent = words;
      status.className = "agent-status" + (words && tone ? " " + tone : "");
    };
    const tick = async () => {
      try {
        const state = await sessionOpen();
        if (state && state.session) {
          location.replace("/kiosk/me");
          return;
        }
      } catch (_) { /* the service is unreachable a moment: keep waiting */ }
      try {
        const { body } = await agentCall("/status");
        if (body.state === "open" && body.screen && await bindScreen(body.screen)) {
          location.replace("/kiosk/me");
          return;
        }
        if (body.state === "reading" || body.state === "open") show(text("textReading"), "info");
        else if (body.state === "refused" || body.state === "error") show(inWords(body.message), "bad");
        else if (body.state === "ended") show(text("textTakeCard"), "info");
        else if (body.state === "offline") show(text("textOffline"), "bad");
        else show("", "");
      } catch (_) {
        show(text("textAgentDown"), "bad");
      }
      setTimeout(tick, POLL_MS);
    };
    tick();
    // The next person starts in Spanish: a language chosen and left behind resets after a minute.
    if (lang !== "es") {
      let resetTimer = 0;
      const restart = () => {
        clearTimeout(resetTimer);
        resetTimer = setTimeout(() => location.replace("/kiosk?lang=es"), idleMs);
      };
      for (const kind of ["pointerdown", "keydown", "touchstart"]) {
        document.addEventListener(kind, restart, { passive: true, capture: true });
      }
      restart();
    }
    return;
  }

  if (screen === "ended") {
    setTimeout(() => location.replace("/kiosk"), 5000);
    return;
  }

  if (screen !== "citizen") return;

  // ---- a citizen is at the kiosk ----
  window.addEventListener("pagehide", wipe);

  async function finish() {
    try {
      await fetch("/kiosk/end", { method: "POST", cache: "no-store", credentials: "same-origin",
                                  headers: { "X-Kiosk-Screen": "1" } });
    } catch (_) { /* the service ends idle sessions by itself too */ }
    leave();
  }

  // A touch is activity: it restarts the minute here, and (at most every 15 s) tells the
  // service, whose own idle limit counts page views and touches but not the background poll.
  let idleTimer = 0;
  let toldAt = Date.now();
  const touched = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(finish, idleMs);
    if (Date.now() - toldAt > 15000) {
      toldAt = Date.now();
      fetch("/kiosk/touch", { method: "POST", cache: "no-store", credentials: "same-origin",
                              headers: { "X-Kiosk-Screen": "1" } }).catch(() => {});
    }
  };
  for (const kind of ["pointerdown", "keydown", "touchstart", "input", "wheel"]) {
    document.addEventListener(kind, touched, { passive: true, capture: true });
  }
  touched();

  for (const button of document.querySelectorAll("[data-action=end]")) {
    button.addEventListener("click", finish);
  }

  const poll = async () => {
    if (leaving) return;
    try {
      const state = await sessionOpen();
      if (state && !state.session) {
        leave();
        return;
      }
    } catch (_) { /* keep the screen; the next poll tries again */ }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);

  const form = document.getElementById("pin-form");
  if (!form) return;
  const input = document.getElementById("pin");
  const message = document.getElementById("pin-message");
  const say = (words, tone) => {
    message.textContent = words;
    message.className = "pin-message" + (tone ? " " + tone : "");
  };
  const digitsOnly = () => {
    const clean = input.value.replace(/\D/g, "").slice(0, 6);
    if (clean !== input.value) input.value = clean;
  };
  input.addEventListener("input", digitsOnly);
  for (const button of form.querySelectorAll("[data-digit]")) {
    button.addEventListener("click", () => {
      if (input.value.length < 6) input.value += button.dataset.digit;
    });
  }
  form.querySelector("[data-key=erase]").addEventListener("click", () => {
    input.value = input.value.slice(0, -1);
  });

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    digitsOnly();
    if (busy) return;
    const pin = input.value;
    input.value = "";
    busy = true;
    say(text("textWait"), "info");
    try {
      const { body } = await agentCall("/pin", { pin });
      if (body.ok) {
        location.replace("/kiosk/me");
        return;
      }
      if (body.code === "wrong_pin" && Number.isInteger(body.tries)) {
        const words = body.tries === 1 ? text("textTriesOne") : text("textTriesMany");
        say(words.replace("{n}", String(body.tries)), "bad");
      } else {
        say(inWords(body.message), "bad");
      }
      if (body.code === "pin_blocked") {
        for (const control of form.querySelectorAll("button, input")) control.disabled = true;
      } else {
        input.focus();
      }
    } catch (_) {
      say(text("textAgentDown"), "bad");
    } finally {
      busy = false;
    }
  });
})();
