/*
 * Plays a SCORM package in the module page and saves what it records.
 *
 * The package finds the runtime (scorm-again's API object) as window.API (SCORM 1.2) or
 * window.API_1484_11 (SCORM 2004) on this page. Every commit the package makes, every
 * value it sets (after a short pause) and the moment the page is hidden or closed, the
 * runtime's data is taken as a numbered snapshot, kept in localStorage and sent to the
 * server. A snapshot stays in localStorage until the server has acknowledged it (or a later
 * one), so a dropped connection or a closed tab loses nothing: sending is retried with
 * backoff, and the next visit sends what is left and resumes from it. The server ignores a
 * snapshot whose number is not above the last one it applied, so resending is always safe.
 */
(function () {
  "use strict";

  var configElement = document.getElementById("scorm-config");
  var frame = document.getElementById("scorm-frame");
  if (!configElement || !frame) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var statusElement = document.getElementById("scorm-status");
  var is12 = config.version === "1.2";
  var RESUME_12 = [
    "cmi.core.lesson_location", "cmi.core.lesson_status", "cmi.suspend_data",
    "cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max", "cmi.core.total_time"
  ];
  var RESUME_2004 = [
    "cmi.location", "cmi.completion_status", "cmi.success_status", "cmi.suspend_data",
    "cmi.progress_measure", "cmi.score.scaled", "cmi.score.raw", "cmi.score.min",
    "cmi.score.max", "cmi.total_time"
  ];

  function say(message) {
    if (statusElement) {
      statusElement.textContent = message;
    }
  }

  function readPending() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(config.storageKey) || "null");
      return stored && typeof stored.sequence === "number" ? stored : null;
    } catch (error) {
      return null;
    }
  }

  function writePending(snapshot) {
    try {
      window.localStorage.setItem(config.storageKey, JSON.stringify(snapshot));
    } catch (error) {
      /* Storage full or refused: the snapshot is still sent from memory. */
    }
  }

  function clearPending(sequence) {
    var stored = readPending();
    if (stored && stored.sequence <= sequence) {
      window.localStorage.removeItem(config.storageKey);
    }
  }

  var sequence = config.sequence;
  var initial = Object.assign({}, config.data);
  var pending = readPending();
  if (pending && pending.sequence > sequence) {
    // Saved in this browser but never acknowledged: newer than the server's copy.
    (is12 ? RESUME_12 : RESUME_2004).forEach(function (element) {
      var value = pending.cmi[element];
      if (value !== undefined && value !== null && value !== "") {
        initial[element] = value;
      }
    });
    var exit = pending.cmi[is12 ? "cmi.core.exit" : "cmi.exit"];
    initial[is12 ? "cmi.core.entry" : "cmi.entry"] = exit === "suspend" ? "resume" : "";
    sequence = pending.sequence;
  } else if (pending) {
    clearPending(config.sequence);
    pending = null;
  }

  var settings = {
    autocommit: true,
    autocommitSeconds: 10,
    lmsCommitUrl: false,
    dataCommitFormat: "flattened",
    logLevel: 5,
    mastery_override: false
  };
  var api = is12 ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
  api.loadFromFlattenedJSON(initial, "");
  if (is12) {
    window.API = api;
  } else {
    window.API_1484_11 = api;
  }

  var inFlight = false;
  var failures = 0;
  var retryTimer = null;
  var finished = false;
  var latest = pending;

  var unloading = false;

  function snapshot() {
    var cmi;
    try {
      cmi = api.renderCommitCMI(true);
    } catch (error) {
      return;
    }
    sequence += 1;
    latest = { sequence: sequence, session: config.session, cmi: cmi };
    writePending(latest);
    send(unloading);
  }

  function scheduleRetry() {
    failures += 1;
    var delay = Math.min(30000, 1000 * Math.pow(2, failures - 1));
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () { send(false); }, delay);
  }

  function send(closing) {
    if (!latest || (inFlight && !closing)) {
      return;
    }
    var sending = latest;
    var body = JSON.stringify({
      sco: config.sco,
      sequence: sending.sequence,
      session: sending.session,
      cmi: sending.cmi
    });
    inFlight = true;
    window.fetch(config.commitUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: closing && body.length < 60000,
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        inFlight = false;
        if (response.ok) {
          failures = 0;
          clearPending(sending.sequence);
          if (latest && latest.sequence <= sending.sequence) {
            latest = null;
          }
          if (answer.moduleComplete || answer.courseComplete) {
            showComplete(answer.courseComplete);
          } else {
            say("Your progress is saved.");
          }
          if (latest) {
            send(false);
          }
        } else if (response.status === 400 || response.status === 404) {
          // Refused for good (a value the standard does not allow): keep what was saved.
          clearPending(sending.sequence);
          if (latest && latest.sequence <= sending.sequence) {
            latest = null;
          }
          say("Some of your progress could not be saved (" + (answer.message || "refused") +
            "). Tell your trainer about this module.");
        } else if (response.status === 403) {
          say("Your progress is kept in this browser. Sign in again to save it.");
        } else {
          say("Saving your progress… (trying again)");
          scheduleRetry();
        }
      });
    }).catch(function () {
      inFlight = false;
      say("You seem to be offline. Your progress is kept in this browser and will be saved " +
        "when the connection is back.");
      scheduleRetry();
    });
  }

  function showComplete(courseComplete) {
    var done = document.getElementById("scorm-complete");
    if (done) {
      done.hidden = false;
      var course = document.getElementById("scorm-course-complete");
      if (course && courseComplete) {
        course.hidden = false;
      }
    }
    say(courseComplete ? "You have completed this course." : "You have completed this module.");
  }

  var valueTimer = null;
  function valueSet() {
    window.clearTimeout(valueTimer);
    valueTimer = window.setTimeout(snapshot, 2000);
  }

  var prefix = is12 ? "LMS" : "";
  // Taken at once (not after a pause): a package commits and finishes as its page unloads,
  // and nothing scheduled for later would run then.
  api.on(prefix + "Commit", function () {
    window.clearTimeout(valueTimer);
    snapshot();
  });
  api.on(prefix + "SetValue.cmi.*", valueSet);
  api.on(is12 ? "LMSFinish" : "Terminate", function () {
    finished = true;
    window.clearTimeout(valueTimer);
    snapshot();
  });

  function flush() {
    if (!finished && api.isInitialized && api.isInitialized()) {
      window.clearTimeout(valueTimer);
      snapshot();
    } else if (latest) {
      send(unloading);
    }
  }

  // The page is going away. Unload the package first, while this page can still send: as
  // it unloads it sets its exit (e.g. "suspend") and finishes, and that commit goes out
  // with keepalive. (Left to the browser, the package would unload after this page, too late.)
  window.addEventListener("pagehide", function () {
    unloading = true;
    if (!finished && frame.parentNode) {
      frame.parentNode.removeChild(frame);
    }
    flush();
  });
  window.addEventListener("pageshow", function (event) {
    unloading = false;
    if (event.persisted) {
      window.location.reload(); // back from the cache with the package unloaded
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      unloading = true;
      flush();
      unloading = false;
    }
  });
  window.addEventListener("online", function () { send(false); });

  if (latest) {
    send(false);
  }
  frame.src = config.launchUrl;
}());
