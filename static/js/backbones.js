// Backbone pages, enhanced: the upload form's backbone search answers as one types, and the backbone page's
// code generator rewrites its code as modules are ticked. Without JavaScript both work by submitting a form.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function humanCount(n) {
    var sizes = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < sizes.length; i++) {
      if (Math.abs(n) >= sizes[i][0]) return Number((n / sizes[i][0]).toPrecision(3)) + sizes[i][1];
    }
    return String(n);
  }

  // The upload form's backbone picker
  function picker() {
    var input = document.getElementById("backbone-q");
    var list = document.getElementById("backbone-results");
    var status = document.getElementById("backbone-status");
    var form = document.getElementById("backbone-search");
    if (!input || !list || !form) return;
    var asked = 0;

    function option(b) {
      var id = "backbone-" + b.content_hash;
      var when = (b.created_at || "").slice(0, 10);
      var who = b.registered_by ? "by " + b.registered_by + " " : "";
      var facts = (b.architecture || "architecture unknown") + " · " + humanCount(b.num_parameters) +
        " parameters · " + b.delta_count + (b.delta_count === 1 ? " delta" : " deltas") + " · registered " +
        who + "on " + when;
      return el("li", {}, [
        el("input", { type: "radio", name: "backbone", id: id, value: b.content_hash }),
        el("label", { for: id }, [
          el("span", { class: "picked-name" }, [b.name]), " ",
          el("code", { class: "hash" }, [b.content_hash.slice(0, 12)]), " ",
          el("span", { class: "meta" }, [facts]),
        ]),
      ]);
    }

    function show(results, query) {
      var checked = list.querySelector("input[name=backbone]:checked");
      var kept = checked ? checked.closest("li") : null;
      list.textContent = "";
      if (kept) list.appendChild(kept);
      results.forEach(function (b) {
        if (!kept || b.content_hash !== checked.value) list.appendChild(option(b));
      });
      status.textContent = results.length
        ? results.length + (results.length === 1 ? " backbone matches" : " backbones match") + " “" + query + "”: pick one."
        : "No backbone matches “" + query + "”.";
    }

    function search() {
      var query = input.value.trim();
      if (!query) return;
      var ticket = ++asked;
      fetch(input.getAttribute("data-search-url") + "?limit=20&q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      })
        .then(function (response) { return response.json(); })
        .then(function (body) { if (ticket === asked && body.results) show(body.results, query); })
        .catch(function () { status.textContent = "The search did not answer; press Search to try again."; });
    }

    input.addEventListener("input", debounce(search, 250));
    form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
  }

  // The backbone page's code generator
  function generator() {
    var form = document.getElementById("delta-code-form");
    if (!form) return;
    var error = document.getElementById("delta-code-error");
    var count = document.getElementById("delta-code-count");
    var code = document.getElementById("delta-code-text");
    var asked = 0;

    function kind() {
      var picked = form.querySelector("input[name=delta_type]:checked");
      return picked ? picked.value : "lora";
    }

    function showOptions() {
      form.querySelectorAll("[data-for]").forEach(function (node) {
        node.hidden = node.getAttribute("data-for").split(" ").indexOf(kind()) < 0;
      });
    }

    function render(body, ok) {
      error.hidden = ok;
      count.hidden = !ok;
      code.parentNode.hidden = !ok;
      if (!ok) {
        var e = body.error || {};
        error.textContent = (e.field ? e.field + ": " : "") + (e.message || "The code could not be written.");
        return;
      }
      document.getElementById("trainable-count").textContent = body.trainable_parameters.toLocaleString("en-US");
      document.getElementById("trainable-share").textContent = body.share
        ? "(" + body.share + " of the backbone's " + body.backbone_parameters.toLocaleString("en-US") + ")"
        : "";
      code.textContent = body.code;
    }

    function update() {
      showOptions();
      var ticket = ++asked;
      var query = new URLSearchParams(new FormData(form)).toString();
      fetch(form.getAttribute("data-code-url") + "?" + query, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (body) { return [body, response.ok]; });
        })
        .then(function (answer) { if (ticket === asked) render(answer[0], answer[1]); })
        .catch(function () { render({ error: { message: "The hub did not answer; press Write the code." } }, false); });
    }

    form.addEventListener("change", update);
    form.addEventListener("input", debounce(function () { showOptions(); }, 100));
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    showOptions();
  }

  picker();
  generator();
})();
