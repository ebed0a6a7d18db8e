// The browse page's filters sit beside the results on wide screens. On a phone they come before the results as a
// disclosure, closed until asked for, so the results are not pushed below a long list (open without JavaScript).
(function () {
  var filters = document.querySelector("details.filters-disclosure");
  if (!filters) return;
  var narrow = window.matchMedia("(max-width: 48rem)");
  function fit() {
    filters.open = !narrow.matches;
  }
  fit();
  narrow.addEventListener("change", fit);
})();
