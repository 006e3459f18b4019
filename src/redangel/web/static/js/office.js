// The office console's page scripts (no inline scripts: the pages' CSP allows only this file).
// - Any button with `data-print` prints the page (receipts, card slips).
// - The card page talks to the desk's card agent on loopback (its address is the page's
//   `data-agent`): it sends the person and the PIN the citizen typed, then polls the agent for
//   the steps and shows them, the error in words, or the slip with the PUK. The PIN goes only
//   to the agent; it is never sent to the service and is cleared from the form at once.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  var root = document.getElementById("card-issue");
  if (!root) {
    return;
  }
  var STEPS = ["waiting_card", "writing", "checking", "activated"];
  var agent = root.getAttribute("data-agent").replace(/\/+$/, "");
  var person = root.getAttribute("data-person");
  var lang = document.documentElement.lang === "en" ? "en" : "es";
  var texts = document.getElementById("office-texts").dataset;
  var status = document.getElementById("agent-status");
  var form = document.getElementById("pin-form");
  var button = document.getElementById("issue-button");
  var steps = document.getElementById("issue-steps");
  var errorBox = document.getElementById("issue-error");
  var issued = document.getElementById("issued");
  var polling = null;
  var jobId = null;

  function words(message) {
    if (!message) {
      return texts.failed;
    }
    return message[lang] || message.es || texts.failed;
  }

  function longDate(iso) {
    var day = new Date(iso + "T12:00:00");
    return day.toLocaleDateString(lang === "en" ? "en-US" : "es-MX",
                                  { day: "numeric", month: "long", year: "numeric" });
  }

  function call(path, options) {
    var settings = Object.assign({ cache: "no-store", credentials: "omit" }, options || {});
    return fetch(agent + path, settings).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (body) {
        return { status: answer.status, body: body };
      });
    });
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "notice" + (kind ? " " + kind : "");
  }

  function showReader(body) {
    if (!body.reader_present) {
      say(texts.noReader, "bad");
      return;
    }
    var who = body.signed_in_as && (body.signed_in_as.username || body.signed_in_as.role) || "";
    var card = body.card_present ? texts.card : texts.noCard;
    say(texts.ready + " " + who + ". " + card, body.card_present ? "ok" : "warn");
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function showSteps(job) {
    steps.hidden = false;
    var current = STEPS.indexOf(job.step);
    Array.prototype.forEach.call(steps.querySelectorAll("li"), function (item) {
      var index = STEPS.indexOf(item.getAttribute("data-step"));
      item.className = "";
      item.removeAttribute("aria-current");
      if (job.state === "done" || index < current) {
        item.className = "done";
      } else if (index === current) {
        item.className = job.state === "failed" ? "failed" : "current";
        item.setAttribute("aria-current", "step");
      }
    });
  }

  function finished(job) {
    window.clearInterval(polling);
    polling = null;
    button.disabled = false;
    if (job.state === "done") {
      document.getElementById("slip-serial").textContent = job.result.serial;
      document.getElementById("slip-puk").textContent = job.result.puk || "—";
      document.getElementById("slip-expires").textContent = longDate(job.result.expires_on);
      issued.hidden = false;
      form.hidden = true;
      issued.scrollIntoView();
    } else {
      showError(texts.failed + " " + words(job.error));
    }
  }

  function poll() {
    call("/status").then(function (answer) {
      var job = answer.body.job;
      if (!job || job.id !== jobId) {
        return;
      }
      showSteps(job);
      if (job.state !== "running") {
        finished(job);
      }
    }).catch(function () {
      window.clearInterval(polling);
      polling = null;
      button.disabled = false;
      say(texts.unreachable, "bad");
    });
  }

  function refresh() {
    if (polling) {
      return;
    }
    call("/status").then(function (answer) {
      showReader(answer.body);
    }).catch(function () {
      say(texts.unreachable, "bad");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var pin = form.elements.pin.value;
    var repeat = form.elements.pin_repeat.value;
    form.elements.pin.value = "";
    form.elements.pin_repeat.value = "";
    errorBox.hidden = true;
    if (!/^[0-9]{4,6}$/.test(pin) || pin !== repeat) {
      showError(texts.mismatch);
      form.elements.pin.focus();
      return;
    }
    button.disabled = true;
    call("/issue", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ person_id: person, pin: pin, pin_repeat: repeat })
    }).then(function (answer) {
      if (answer.status !== 202) {
        button.disabled = false;
        showError(answer.status === 409 ? texts.busy : words(answer.body.message));
        return;
      }
      jobId = answer.body.job.id;
      showSteps(answer.body.job);
      polling = window.setInterval(poll, 300);
    }).catch(function () {
      button.disabled = false;
      say(texts.unreachable, "bad");
    });
  });

  refresh();
  window.setInterval(refresh, 2000);
})();
