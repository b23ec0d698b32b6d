// The review screen's keys and timer (templates/review/*.html load this file; keys.js, on every
// page, has the rest, `?` among them).
//
//   1 … 9    choose the n-th choice of the focused question, else of the first question with
//            no choice made yet (on a checkbox question the key toggles that choice)
//   Enter    submit the answers (in a textarea, Enter is a new line)
//   s        skip the item: it goes to the back of the queue
//   ← / →    your previous answer / back toward the current item
//
// keys.js's rules hold: a key typed into a text field is the field's, a key held with Ctrl,
// Meta or Alt is the browser's, and no key acts while the help dialog is open. A radio button
// or a checkbox takes no text, so the keys work while one has the focus, except the arrows,
// which move the choice within a radio group as browsers do. The form is looked up at each key.
(function () {
  "use strict";

  var FORM = "form[data-review-form]";
  var QUESTIONS = "fieldset[data-choices]";
  var CHOICE = "input[data-choice]";
  var lastPicked = null; // where a digit goes once every question has a choice

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    if (target.tagName === "INPUT") {
      var type = (target.getAttribute("type") || "text").toLowerCase();
      return type !== "radio" && type !== "checkbox";
    }
    return target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable;
  }

  function isRadio(target) {
    return target instanceof Element && target.tagName === "INPUT" && target.type === "radio";
  }

  function helpOpen() {
    var dialog = document.getElementById("keys-help");
    return !!(dialog && dialog.open);
  }

  // The answer form, unless the page shows a past answer (read-only).
  function answerForm() {
    var form = document.querySelector(FORM);
    return form && !form.hasAttribute("data-readonly") ? form : null;
  }

  function questionFor(form) {
    var all = Array.prototype.slice.call(form.querySelectorAll(QUESTIONS));
    var active = document.activeElement;
    var focused = active instanceof Element ? active.closest(QUESTIONS) : null;
    if (focused && all.indexOf(focused) >= 0) return focused;
    for (var i = 0; i < all.length; i++) {
      if (!all[i].querySelector(CHOICE + ":checked")) return all[i];
    }
    if (lastPicked && all.indexOf(lastPicked) >= 0) return lastPicked;
    return all[0] || null;
  }

  function pick(n) {
    var form = answerForm();
    var question = form && questionFor(form);
    if (!question) return false;
    var choices = question.querySelectorAll(CHOICE);
    if (n > choices.length) return false;
    choices[n - 1].click(); // as a click would: checks (or toggles) it and fires `change`
    lastPicked = question;
    return true;
  }

  function submitWith(selector) {
    var form = answerForm();
    var button = form && form.querySelector(selector);
    if (!button) return false;
    form.requestSubmit(button); // the button's own formaction (skip) is kept
    return true;
  }

  function go(direction) {
    var link = document.querySelector('a[data-review-nav="' + direction + '"]');
    if (!link) return false;
    link.click();
    return true;
  }

  function handle(event) {
    var key = event.key;
    if (/^[1-9]$/.test(key)) return pick(Number(key));
    switch (key) {
      case "Enter":
        return submitWith("[data-review-submit]");
      case "s":
        return submitWith("[data-review-skip]");
      case "ArrowLeft":
        return !isRadio(event.target) && go("back");
      case "ArrowRight":
        return !isRadio(event.target) && go("forward");
      default:
        return false;
    }
  }

  // One submission a page: a second Enter (or `s`) while the first was on its way posted the
  // task again, and the page then showed that second post's 409 ("Not saved") for an answer
  // that was saved.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches(FORM)) return;
    if (form.hasAttribute("data-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "");
  });
  // A page the browser brings back from its cache (Back) may be sent again.
  window.addEventListener("pageshow", function (event) {
    var form = event.persisted && document.querySelector(FORM);
    if (form) form.removeAttribute("data-sent");
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || helpOpen()) return;
    // Enter on a link or button is that element's own, unless it sits in the closed help (where
    // Chromium can leave the focus once Escape closed it; keys.js has blurred it by now).
    if (event.key === "Enter" && event.target instanceof Element &&
        event.target.closest("a[href], button, summary") &&
        !event.target.closest("dialog:not([open])")) return;
    if (handle(event)) event.preventDefault();
  });

  // The timer: the server gives the seconds since the claim when it drew the page, so the
  // browser's clock only counts from there.
  var loaded = Date.now();

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var timers = document.querySelectorAll("[data-review-timer]");
    for (var i = 0; i < timers.length; i++) {
      var start = Number(timers[i].getAttribute("data-elapsed")) || 0;
      timers[i].textContent = clock(start + Math.floor((Date.now() - loaded) / 1000));
    }
  }

  if (document.querySelector("[data-review-timer]")) {
    tick();
    window.setInterval(tick, 1000);
  }
})();
