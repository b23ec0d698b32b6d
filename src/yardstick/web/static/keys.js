// Yardstick's keyboard shortcuts, on every page (base.html loads this file with `defer`).
//
// One keydown listener on `document`, so the keys keep working after htmx swaps a table: rows,
// pager links and fields are looked up again at each key, never kept. The page's CSP allows no
// inline script, hence no handler attributes in the templates: everything is wired here.
//
//   ?          show or hide the help (the <dialog id="keys-help"> every page has, _keys.html)
//   /          focus the page's search or filter field
//   j / k      select the next / previous row of the page's table
//   Enter, o   open the selected row's link
//   n / p      the next / previous page (the pager's a[rel=next] / a[rel=prev])
//   f          the first page (a[rel=first])
//   g then e, c, d, b or r   go to the evaluations, compare, datasets, dashboards or review page
//
// Keys typed into a field (input, textarea, select, anything editable) are the field's, and a
// key held with Ctrl, Meta or Alt is the browser's: both are left alone. A radio button or a
// checkbox takes no text, so it keeps no key (the review screen's choices are both, and
// review.js adds that screen's keys).
(function () {
  "use strict";

  var GO = { e: "/evaluations", c: "/compare", d: "/datasets", b: "/dashboards", r: "/review" };
  var GO_WINDOW_MS = 1500; // how long a `g` waits for its second key
  // The rows j and k walk: those of the page's tables of results and lists, in page order.
  var ROWS = "main table.results tbody tr, main table.list tbody tr";
  // The field `/` focuses: the first of these the page has.
  var FIELDS = [
    "main input[type=search]",
    "main form.filters :is(input:not([type=hidden]), select)",
    "main form :is(input:not([type=hidden]), select, textarea)",
  ];
  var SELECTED = "kb-selected";
  var goPressedAt = 0;

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    var tag = target.tagName;
    if (tag === "INPUT") return target.type !== "radio" && target.type !== "checkbox";
    return tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function help() {
    return document.getElementById("keys-help");
  }

  function toggleHelp() {
    var dialog = help();
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(ROWS)).filter(function (row) {
      return row.getClientRects().length > 0; // shown (not in a closed <details>)
    });
  }

  function select(step) {
    var all = rows();
    if (!all.length) return;
    var current = all.findIndex(function (row) {
      return row.classList.contains(SELECTED);
    });
    var next = current < 0 ? 0 : Math.min(all.length - 1, Math.max(0, current + step));
    if (current >= 0) {
      all[current].classList.remove(SELECTED);
      all[current].removeAttribute("aria-selected");
    }
    all[next].classList.add(SELECTED);
    all[next].setAttribute("aria-selected", "true");
    all[next].scrollIntoView({ block: "nearest" });
  }

  function selectedRow() {
    return document.querySelector("main tr." + SELECTED);
  }

  function openSelected() {
    var row = selectedRow();
    var link = row && row.querySelector("a[href]");
    if (!link) return false;
    link.click();
    return true;
  }

  // The pager link `rel` of the selected row's section, else the page's first one. A click, so
  // that htmx swaps the table and pushes the URL exactly as a click with the mouse does.
  function follow(rel) {
    var row = selectedRow();
    var scope = row && row.closest("section, article");
    var selector = 'a[rel="' + rel + '"]';
    var link = (scope && scope.querySelector(selector)) || document.querySelector("main " + selector);
    if (!link) return false;
    link.click();
    return true;
  }

  function focusField() {
    for (var i = 0; i < FIELDS.length; i++) {
      var field = document.querySelector(FIELDS[i]);
      if (field && field.getClientRects().length > 0) {
        field.focus();
        if (typeof field.select === "function" && field.tagName === "INPUT") field.select();
        return true;
      }
    }
    return false;
  }

  function handle(event) {
    var key = event.key;
    if (key === "?") {
      toggleHelp();
      return true;
    }
    if (help() && help().open) return false; // the dialog has the keys (Escape closes it)
    if (goPressedAt && Date.now() - goPressedAt < GO_WINDOW_MS) {
      goPressedAt = 0;
      if (Object.prototype.hasOwnProperty.call(GO, key)) {
        window.location.assign(GO[key]);
        return true;
      }
    }
    goPressedAt = 0;
    switch (key) {
      case "g":
        goPressedAt = Date.now();
        return true;
      case "/":
        return focusField();
      case "j":
        select(1);
        return true;
      case "k":
        select(-1);
        return true;
      case "Enter":
      case "o":
        return openSelected();
      case "n":
        return follow("next");
      case "p":
        return follow("prev");
      case "f":
        return follow("first");
      default:
        return false;
    }
  }

  // When nothing had focus before the help opened, Chromium leaves the focus on its Close button
  // once it closes (Escape): Enter would then press Close and open the help again, instead of
  // doing what the page does with Enter (the review screen submits). A key aimed inside the
  // closed help is taken as a key with nothing focused. This is checked at the key, not on the
  // dialog's `close` event: that event comes later, as its own task, and a key can come first.
  function inClosedDialog(target) {
    return target instanceof Element && !!target.closest("dialog:not([open])");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (inClosedDialog(event.target)) event.target.blur();
    else if (isTyping(event.target)) return;
    // Enter on a link or button is that element's own.
    if (event.key === "Enter" && event.target instanceof Element &&
        event.target.closest("a[href], button, summary") && !inClosedDialog(event.target)) return;
    if (handle(event)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element && event.target.closest("[data-keys-toggle]");
    if (target) {
      event.preventDefault();
      toggleHelp();
    }
  });
})();
