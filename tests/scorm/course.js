(function () {
  "use strict";
  var body = document.body;
  var is12 = body.getAttribute("data-version") === "1.2";
  var pages = parseInt(body.getAttribute("data-pages"), 10);
  var scored = body.getAttribute("data-scored") === "yes";

  function findAPI(win) {
    var name = is12 ? "API" : "API_1484_11";
    for (var tries = 0; win && tries < 10; tries++) {
      if (win[name]) { return win[name]; }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }
  var api = findAPI(window);
  var status = document.getElementById("lms");
  if (!api) { status.textContent = "No LMS found."; return; }
  function get(name) { return is12 ? api.LMSGetValue(name) : api.GetValue(name); }
  function set(name, value) { return is12 ? api.LMSSetValue(name, String(value)) : api.SetValue(name, String(value)); }
  function commit() { return is12 ? api.LMSCommit("") : api.Commit(""); }
  var E = is12 ? {
    location: "cmi.core.lesson_location", exit: "cmi.core.exit", session: "cmi.core.session_time"
  } : { location: "cmi.location", exit: "cmi.exit", session: "cmi.session_time" };

  (is12 ? api.LMSInitialize("") : api.Initialize(""));
  var started = Date.now();
  var finished = false;
  var entry = get(is12 ? "cmi.core.entry" : "cmi.entry");
  var page = parseInt(get(E.location), 10) || 1;
  var seen = (get("cmi.suspend_data") || "").split(",").filter(Boolean);
  var done = is12
    ? ["passed", "completed"].indexOf(get("cmi.core.lesson_status")) >= 0
    : get("cmi.completion_status") === "completed";
  status.textContent = entry === "resume" ? "Welcome back: you are on page " + page + "." : "";
  if (!done) {
    if (is12) {
      if (get("cmi.core.lesson_status") === "not attempted") { set("cmi.core.lesson_status", "incomplete"); }
    } else {
      set("cmi.completion_status", "incomplete");
    }
  }

  function show(number) {
    page = number;
    for (var i = 1; i <= pages; i++) {
      document.getElementById("page-" + i).hidden = i !== number;
    }
    document.getElementById("position").textContent = "Page " + number + " of " + pages;
    if (seen.indexOf(String(number)) < 0) { seen.push(String(number)); }
    set(E.location, number);
    set("cmi.suspend_data", seen.join(","));
  }

  function timeSpent() {
    var seconds = Math.round((Date.now() - started) / 1000);
    if (!is12) { return "PT" + seconds + "S"; }
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return "00" + two(h) + ":" + two(m) + ":" + two(s);
  }

  function complete(passed, score) {
    if (scored) {
      if (is12) {
        set("cmi.core.score.min", 0); set("cmi.core.score.max", 100); set("cmi.core.score.raw", score);
        set("cmi.core.lesson_status", passed ? "passed" : "failed");
      } else {
        set("cmi.score.min", 0); set("cmi.score.max", 100); set("cmi.score.raw", score);
        set("cmi.score.scaled", score / 100);
        set("cmi.success_status", passed ? "passed" : "failed");
        set("cmi.completion_status", "completed");
      }
    } else if (is12) {
      set("cmi.core.lesson_status", "completed");
    } else {
      set("cmi.completion_status", "completed");
    }
    set(E.exit, is12 ? "" : "normal");
    commit();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-next]"), function (button) {
    button.addEventListener("click", function () { show(page + 1); commit(); });
  });
  var finish = document.getElementById("finish");
  if (finish) {
    finish.addEventListener("click", function () {
      complete(true, 100);
      document.getElementById("result").textContent = "You have finished this part.";
    });
  }
  var form = document.getElementById("question");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector("input[name=answer]:checked");
      if (!chosen) { document.getElementById("result").textContent = "Choose an answer."; return; }
      var right = chosen.value === "yawning";
      var n = parseInt(get("cmi.interactions._count"), 10) || 0;
      set("cmi.interactions." + n + ".id", "subtle-cue");
      set("cmi.interactions." + n + ".type", "choice");
      set("cmi.interactions." + n + (is12 ? ".student_response" : ".learner_response"), chosen.value);
      set("cmi.interactions." + n + ".result", right ? "correct" : (is12 ? "wrong" : "incorrect"));
      complete(right, right ? 100 : 0);
      document.getElementById("result").textContent = right
        ? "Correct: you passed."
        : "Not quite: yawning is a subtle disengagement cue. Try again.";
    });
  }

  function leave() {
    if (finished) { return; }
    finished = true;
    var complete12 = is12 && ["passed", "completed"].indexOf(get("cmi.core.lesson_status")) >= 0;
    var complete04 = !is12 && get("cmi.completion_status") === "completed";
    if (!(complete12 || complete04)) { set(E.exit, "suspend"); }
    set(E.session, timeSpent());
    (is12 ? api.LMSFinish("") : api.Terminate(""));
  }
  window.addEventListener("pagehide", leave);
  show(Math.min(page, pages));
  commit();
}());
