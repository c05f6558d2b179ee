// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen-reader and keyboard users hear what went wrong.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Ask before leaving a form with unsaved changes, where the page opts in.
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    // The session timed out (session-timeout.js): what was typed is kept as a draft.
    document.addEventListener("lms:signed-out", function () { dirty = false; });
    window.addEventListener("beforeunload", function (e) {
      if (dirty) { e.preventDefault(); e.returnValue = ""; }
    });
  });

  // A table that is wider than the screen scrolls inside its .table-wrap; keyboard users must
  // be able to reach that region and screen-reader users to know what it holds. Templates
  // label their wide tables themselves (role="region", aria-label, tabindex="0"); this labels
  // any other wrap while (and only while) its table overflows, e.g. on a phone.
  function labelScrollingTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var overflowing = wrap.scrollWidth > wrap.clientWidth + 1;
      var auto = wrap.hasAttribute("data-auto-region");
      if (wrap.getAttribute("role") === "region" && !auto) { return; }
      if (overflowing && !auto) {
        var caption = wrap.querySelector("caption");
        var heading = caption ? caption.textContent.trim().split("\n")[0] : "Table";
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", heading + ", scrollable");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("data-auto-region", "");
      } else if (!overflowing && auto) {
        ["role", "aria-label", "tabindex", "data-auto-region"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    });
  }
  labelScrollingTables();
  window.addEventListener("resize", labelScrollingTables);

  // Disable submit buttons after the first click; the server is idempotent anyway, this just
  // tells the user their click was received.
  document.querySelectorAll("form[data-single-submit]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.setAttribute("aria-disabled", "true");
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });

  // A background job's progress (staff imports): poll its JSON and update the bar and figures.
  // Without JavaScript the page shows the progress at the time it was opened.
  document.querySelectorAll("[data-import-progress]").forEach(function (panel) {
    var url = panel.getAttribute("data-import-progress");
    var bar = panel.querySelector("[data-progress-bar]");
    var text = panel.querySelector("[data-progress-text]");
    var hint = panel.querySelector("[data-no-js-hint]");
    if (hint) { hint.textContent = "This page updates by itself. You will also get an email when the import ends."; }
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { return; }
          bar.value = p.percent;
          bar.textContent = p.percent + "%";
          bar.setAttribute("aria-valuetext", p.percent + "% (" + p.rows_done + " of " + p.rows_total + " rows)");
          var left = p.seconds_left ? "; about " + p.seconds_left + " seconds left" : "";
          text.innerHTML = "";
          text.append(p.rows_done + " of " + p.rows_total + " rows done (" + p.percent + "%), " +
            p.rows_failed + " with problems" + left + ".");
          Object.keys(p.counts || {}).forEach(function (k) {
            var cell = panel.querySelector('[data-count="' + k + '"]');
            if (cell) { cell.textContent = p.counts[k]; }
          });
          var status = document.querySelector("[data-import-status]");
          if (status) { status.textContent = p.status_label; }
          if (p.finished) { window.location.reload(); } else { setTimeout(poll, 1500); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    if (!panel.hasAttribute("data-finished")) { setTimeout(poll, 1000); }
  });
});
