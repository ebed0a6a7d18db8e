// Renders the API reference with the Redoc bundle served by the hub itself (no CDN, no web fonts).
(function () {
  var container = document.getElementById("api-docs");
  Redoc.init(container.dataset.schemaUrl, {
    hideDownloadButton: false,
    theme: { typography: { fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif", headings: { fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif" } } },
  }, container);
})();
