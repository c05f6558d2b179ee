// Training-record progress: polls the status URL and updates the progress bar and its text;
// reloads the page when the record is ready (or has failed). Without JavaScript the page has a
// "refresh" link instead.
(function () {
  "use strict";
  var panel = document.querySelector("[data-training-record][data-in-progress]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-status-url");
  var bar = panel.querySelector("[data-progress]");
  var text = document.getElementById("record-status");
  var delay = 1000;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (data.done) { window.location.reload(); return; }
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
        if (text) { text.textContent = data.label + ": " + data.progress + "% done"; }
        delay = Math.min(delay * 1.3, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
