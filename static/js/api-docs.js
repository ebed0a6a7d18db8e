// Renders the API reference with the Redoc bundle the hub serves itself (no CDN, no web fonts).
(function () {
  var container = document.getElementById("api-docs");
  var fonts = "system-ui, -apple-system, 'Segoe UI', sans-serif";
  var options = { theme: { typography: { fontFamily: fonts, headings: { fontFamily: fonts } } } };

  // Redoc heads an operation's parameter lists with <h5> right under the operation's <h2>. Screen readers get a
  // continuous outline instead: a heading that skips levels is announced one level below the heading before it.
  function levelHeadings() {
    var previous = 0;
    container.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(function (heading) {
      var own = Number(heading.tagName.charAt(1));
      var level = Math.min(own, previous + 1);
      if (level === own) heading.removeAttribute("aria-level");
      else heading.setAttribute("aria-level", String(level));
      previous = level;
    });
  }

  Redoc.init(container.dataset.schemaUrl, options, container, function () {
    levelHeadings();
    container.dataset.rendered = "true";
    var pending;
    new MutationObserver(function () {
      clearTimeout(pending);
      pending = setTimeout(levelHeadings, 50);
    }).observe(container, { childList: true, subtree: true });
  });
})();
