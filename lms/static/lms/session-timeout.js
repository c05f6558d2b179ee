// Sessions on shared computers (lms/accounts/sessions.py): a warning before the idle timeout
// with a "Stay signed in" button, and drafts of what is being typed (lms/drafts), saved every
// 30 seconds while it changes and when the warning shows, and offered back after signing in.
// Without this script the session still ends on time; only the warning and drafts need it.
(function () {
  "use strict";
  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function") { return; }

  var statusUrl = dialog.dataset.statusUrl;
  var draftsUrl = dialog.dataset.draftsUrl;
  var loginUrl = dialog.dataset.loginUrl;
  var warning = parseInt(dialog.dataset.warning, 10);
  var csrf = (dialog.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var stayButton = dialog.querySelector("[data-session-stay]");
  var leaveForm = dialog.querySelector("[data-session-leave]");
  var announce = dialog.querySelector("[data-session-announce]");
  var deadline = 0;
  var timer = null;
  var ticker = null;
  var returnFocus = null;

  // --- Drafts -------------------------------------------------------------------------------
  var DRAFTED = "textarea, select, input[type=text], input[type=number], input[type=date], " +
    "input[type=time], input[type=email], input[type=url], input:not([type])";
  var drafts = {};  // key -> {elements: [], dirty: bool, saved: string}

  document.querySelectorAll("[data-draft-key]").forEach(function (holder) {
    var key = holder.dataset.draftKey;
    var entry = drafts[key] || (drafts[key] = { elements: [], dirty: false, saved: "" });
    var elements = holder.elements ? Array.prototype.slice.call(holder.elements)
      : Array.prototype.slice.call(holder.querySelectorAll(DRAFTED));
    elements.forEach(function (el) {
      if (el.name && el.matches(DRAFTED) && entry.elements.indexOf(el) < 0) {
        entry.elements.push(el);
        el.addEventListener("input", function () { entry.dirty = true; });
      }
    });
  });

  function fieldsOf(entry) {
    var fields = {};
    entry.elements.forEach(function (el) {
      if (!(el.name in fields)) { fields[el.name] = el.value; }
    });
    return fields;
  }

  function send(method, url, body, passive) {
    var headers = { "X-CSRFToken": csrf, "Accept": "application/json" };
    if (body) { headers["Content-Type"] = "application/json"; }
    if (passive) { headers["X-Session-Passive"] = "1"; }
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin", keepalive: true,
      body: body ? JSON.stringify(body) : undefined
    });
  }

  // Saves every changed draft; ``passive`` when the person has not just acted (the warning).
  function saveDrafts(passive) {
    var saving = Object.keys(drafts).map(function (key) {
      var entry = drafts[key];
      if (!entry.dirty) { return Promise.resolve(); }
      var fields = fieldsOf(entry);
      var body = JSON.stringify(fields);
      if (body === entry.saved) { return Promise.resolve(); }
      return send("POST", draftsUrl, { key: key, fields: fields }, passive).then(function (r) {
        if (r.ok) { entry.saved = body; }
        if (!passive && r.ok) { resync(); }
      }).catch(function () {});
    });
    return Promise.all(saving);
  }

  function offerDraft(key, entry, draft) {
    var original = fieldsOf(entry);
    var changed = false;
    entry.elements.forEach(function (el) {
      var value = draft.fields[el.name];
      if (typeof value === "string" && value !== el.value) { el.value = value; changed = true; }
    });
    if (!changed) { return; }
    entry.dirty = true;
    entry.saved = JSON.stringify(fieldsOf(entry));
    var when = new Date(draft.updated_at).toLocaleString("en-GB", {
      day: "numeric", month: "long", hour: "2-digit", minute: "2-digit"
    });
    var notice = document.createElement("div");
    notice.className = "notice notice--warning draft-notice";
    notice.setAttribute("role", "status");
    notice.innerHTML = "<p></p><button type=\"button\" class=\"button button--secondary\">" +
      "Discard the draft</button>";
    notice.querySelector("p").textContent = "We kept what you were typing (" + when + ") and " +
      "have put it back below. Save the form to keep it.";
    notice.querySelector("button").addEventListener("click", function () {
      entry.elements.forEach(function (el) {
        if (el.name in original) { el.value = original[el.name]; }
      });
      entry.dirty = false;
      send("DELETE", draftsUrl + "?key=" + encodeURIComponent(key));
      notice.querySelector("p").textContent = "The draft has been discarded.";
      notice.querySelector("button").remove();
    });
    var first = entry.elements[0];
    var holder = document.querySelector("[data-draft-key=\"" + CSS.escape(key) + "\"]");
    var anchor = (first && first.closest(".reflection-field, .field")) || holder;
    anchor.parentNode.insertBefore(notice, anchor);
  }

  Object.keys(drafts).forEach(function (key) {
    fetch(draftsUrl + "?key=" + encodeURIComponent(key), {
      headers: { "Accept": "application/json", "X-Session-Passive": "1" },
      credentials: "same-origin"
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (draft) {
      if (draft && draft.fields) { offerDraft(key, drafts[key], draft); }
    }).catch(function () {});
  });
  setInterval(function () { saveDrafts(false); }, 30000);

  // --- The warning --------------------------------------------------------------------------
  function describe(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var parts = [];
    if (minutes) { parts.push(minutes + (minutes === 1 ? " minute" : " minutes")); }
    if (rest || !minutes) { parts.push(rest + (rest === 1 ? " second" : " seconds")); }
    return parts.join(" ");
  }

  function schedule(info) {
    deadline = Date.now() + info.remaining * 1000;
    var final = info.absolute_remaining <= info.idle_remaining;
    dialog.querySelector("[data-session-idle]").hidden = final;
    dialog.querySelector("[data-session-final]").hidden = !final;
    stayButton.hidden = final;
    clearTimeout(timer);
    // Within the warning time the countdown (tick) takes over; no more checks until an answer.
    if (info.remaining > warning) {
      timer = setTimeout(check, (info.remaining - warning) * 1000);
    }
  }

  function readInfo(response) {
    if (response.status === 200) { return response.json(); }
    if (response.status === 401 || response.status === 403) { return null; }
    throw new Error("status " + response.status);
  }

  // Another tab may have kept the session alive: ask the server before warning.
  var asked = 0;  // answers to questions asked before the latest are stale: ignored

  function check() {
    var question = ++asked;
    fetch(statusUrl, {
      headers: { "Accept": "application/json", "X-Session-Passive": "1" },
      credentials: "same-origin"
    }).then(readInfo).then(function (info) {
      if (question !== asked) { return; }
      if (!info) { end(); return; }
      schedule(info);
      if (info.remaining <= warning) { warn(); }
    }).catch(warn);
  }

  function resync() {
    if (dialog.open) { return; }
    check();
  }

  function warn() {
    saveDrafts(true);
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
      (stayButton.hidden ? dialog.querySelector("[data-session-leave] button") : stayButton).focus();
      var at = new Date(deadline).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
      announce.textContent = "You will be signed out at " + at + "." +
        (stayButton.hidden ? "" : " Choose Stay signed in to carry on.");
    }
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
    tick();
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    dialog.querySelectorAll("[data-session-countdown]").forEach(function (el) {
      el.textContent = describe(left);
    });
    if (left <= 0) { end(); }
  }

  // The session is over: leave the page so that nothing stays on a shared screen.
  function end() {
    clearInterval(ticker);
    clearTimeout(timer);
    // No "leave this page?" question (site.js, data-warn-unsaved): the draft is kept, and a
    // question would keep the page on a shared screen.
    document.dispatchEvent(new Event("lms:signed-out"));
    var here = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
  }

  function stay() {
    var question = ++asked;
    send("POST", statusUrl, null, false).then(readInfo).then(function (info) {
      if (question !== asked) { return; }
      if (!info) { end(); return; }
      clearInterval(ticker);
      dialog.close();
      schedule(info);
      if (returnFocus && document.contains(returnFocus)) { returnFocus.focus(); }
    }).catch(function () {
      announce.textContent = "We could not reach the site. Check your connection and try again.";
    });
  }

  stayButton.addEventListener("click", stay);
  // Escape would close the dialog and leave the countdown running unseen: it means "stay".
  // (Chromium lets a page refuse "cancel" only after a user gesture, so Escape is caught first.)
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    event.preventDefault();
    if (!stayButton.hidden) { stay(); }
  });
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    if (!stayButton.hidden) { stay(); }
  });
  leaveForm.addEventListener("submit", function () { saveDrafts(true); });

  schedule({
    remaining: parseInt(dialog.dataset.remaining, 10),
    idle_remaining: parseInt(dialog.dataset.idleRemaining, 10),
    absolute_remaining: parseInt(dialog.dataset.absoluteRemaining, 10)
  });
})();
