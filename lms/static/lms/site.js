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
});
