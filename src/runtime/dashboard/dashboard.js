// Keeps the dashboard current without a reload: every few seconds the server's rendering of the live part
// replaces the old one. The page works without this script; it only refreshes it.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var live = document.getElementById("live");
  var periodMs = 2000;
  function show(state, text) {
    live.className = "live " + state;
    live.textContent = text;
  }
  function refresh() {
    if (document.hidden) { return schedule(); }
    fetch("/dashboard/live", { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      })
      .then(function (html) {
        main.innerHTML = html;
        show("on", "live");
      })
      .catch(function (e) { show("off", "offline: " + e.message); })
      .then(schedule);
  }
  function schedule() { setTimeout(refresh, periodMs); }
  show("on", "live");
  schedule();
})();
