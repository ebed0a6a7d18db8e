// Live validation status on a delta's page. The status panel carries data-status-url only while the newest
// version is queued or being validated; this polls that endpoint, updates the badges and the panel, and once
// the validation ends swaps in the page's fresh validation section (the scores). Without JavaScript the page
// shows the state it was rendered with.
(function () {
  var panel = document.querySelector("[data-validation-panel][data-status-url]");
  if (!panel) return;
  var url = panel.getAttribute("data-status-url");
  var delay = 1000;
  var MAX_DELAY = 10000;

  function detail(status) {
    if (!status.final) {
      var doing = status.job_status === "running" ? "Running" : "Queued";
      return doing + (status.stage ? " · stage: " + status.stage : "");
    }
    if (status.state === "failed" && status.reason_code) return status.reason_code + ": " + status.reason;
    return status.title;
  }

  function apply(status) {
    document.querySelectorAll("[data-validation-badge]").forEach(function (badge) {
      badge.textContent = status.label;
      badge.title = status.title;
      badge.className = "badge tone-" + status.tone;
    });
    panel.className = "validation-panel tone-" + status.tone;
    panel.querySelector("[data-validation-label]").textContent = status.label;
    panel.querySelector("[data-validation-detail]").textContent = detail(status);
    panel.setAttribute("data-state", status.state);
  }

  function refreshScores() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("validation-section");
        var current = document.getElementById("validation-section");
        if (fresh && current) current.replaceWith(fresh);
      });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (status) {
        apply(status);
        if (status.final) {
          panel.removeAttribute("data-status-url");
          refreshScores();
          return;
        }
        delay = Math.min(delay * 1.5, MAX_DELAY);
        setTimeout(poll, delay);
      })
      .catch(function () { setTimeout(poll, MAX_DELAY); });
  }

  setTimeout(poll, delay);
})();
