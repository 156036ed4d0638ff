/* Category menu enhancements; the menu works without them.
 * - Narrow screens: start collapsed behind the "Danh mục" toggle (the HTML ships open).
 * - Drop-down panels: Escape closes the one under the pointer or focus (WCAG 1.4.13). */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 60rem)");

  document.querySelectorAll("[data-category-menu]").forEach(function (details) {
    function fit() { details.open = wide.matches; }
    fit();
    if (wide.addEventListener) { wide.addEventListener("change", fit); }

    details.querySelectorAll(".category-menu__item--parent").forEach(function (item) {
      function reset() { item.classList.remove("is-dismissed"); }
      item.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" || !wide.matches) return;
        item.classList.add("is-dismissed");
        item.querySelector(".category-menu__link").focus();
      });
      item.addEventListener("mouseleave", reset);
      item.addEventListener("focusout", function (event) {
        if (!item.contains(event.relatedTarget)) reset();
      });
    });
  });

  // A panel opened by the pointer alone closes on Escape too.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".category-menu__item--parent:hover").forEach(function (item) {
      item.classList.add("is-dismissed");
    });
  });
})();
