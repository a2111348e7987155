// Optional: reports time on page and the last heading reached, so "Continue where you left
// off" can return to the right section. Everything else works without it.
(function () {
  "use strict";
  var root = document.querySelector("[data-progress-url]");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!root || !token || !window.fetch) { return; }
  var url = root.getAttribute("data-progress-url");
  var headings = Array.prototype.slice.call(root.querySelectorAll("h2[id], h3[id]"));
  var visibleSince = document.hidden ? null : Date.now();
  var pending = 0;
  var lastHeading = null;

  function collect() {
    if (visibleSince !== null) {
      pending += (Date.now() - visibleSince) / 1000;
      visibleSince = document.hidden ? null : Date.now();
    }
  }
  function currentHeading() {
    var reached = null;
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top < 120) { reached = headings[i].id; }
    }
    return reached;
  }
  function send(keepalive) {
    collect();
    var heading = currentHeading() || lastHeading;
    var seconds = Math.round(pending);
    if (seconds < 1 && heading === lastHeading) { return; }
    pending -= seconds;
    lastHeading = heading;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token.content },
      body: JSON.stringify({ seconds: seconds, heading: heading })
    }).catch(function () {});
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { send(true); } else { visibleSince = Date.now(); }
  });
  window.addEventListener("pagehide", function () { send(true); });
  setInterval(function () { if (!document.hidden) { send(false); } }, 30000);
})();
