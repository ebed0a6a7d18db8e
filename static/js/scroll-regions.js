// Whatever scrolls sideways (a wide table on a phone, a long line of code, a deep module tree) must be reachable
// from the keyboard: each table gets a wrapper that scrolls in its place, and every such box that overflows takes
// focus as a region named after the table's caption or its section's heading. Without JavaScript the tables
// still scroll (site.css), only not from the keyboard.
(function () {
  var SCROLLERS = "main pre, main .module-tree, main .table-scroll";

  function sectionName(node) {
    var section = node.closest("[aria-labelledby], [aria-label]");
    if (!section) return "";
    var heading = document.getElementById(section.getAttribute("aria-labelledby"));
    return heading ? heading.textContent.trim() : (section.getAttribute("aria-label") || "").trim();
  }

  function nameOf(box) {
    var caption = box.querySelector("caption");
    var name = caption ? caption.textContent.trim() : sectionName(box);
    var kind = box.classList.contains("table-scroll") ? "table" : box.matches("pre") ? "code" : "tree";
    return name ? name + " (" + kind + ", scrolls)" : "Scrolling " + kind;
  }

  function wrapTable(table) {
    if (table.parentElement.classList.contains("table-scroll")) return;
    var box = document.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  }

  // Regions are landmarks, and landmarks must be told apart: a second box of the same name gets a number.
  function uniqueName(name, taken) {
    taken[name] = (taken[name] || 0) + 1;
    return taken[name] === 1 ? name : name + " " + taken[name];
  }

  function update(box, taken) {
    var overflows = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    if (overflows && (!box.hasAttribute("tabindex") || box.hasAttribute("data-scroll-region"))) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", uniqueName(nameOf(box), taken));
      box.dataset.scrollRegion = "";
    } else if (!overflows && box.hasAttribute("data-scroll-region")) {
      ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (a) { box.removeAttribute(a); });
    }
  }

  function updateAll() {
    var taken = {};
    document.querySelectorAll(SCROLLERS).forEach(function (box) { update(box, taken); });
  }

  document.querySelectorAll("main table").forEach(wrapTable);
  updateAll();
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(updateAll, 100);
  });
  document.addEventListener("toggle", updateAll, true); // a <details> opened shows what was hidden
})();
