/* Main menu enhancements; the menu works without them.
 * - Sub-menus get their disclosure button (aria-expanded): Enter/Space opens and closes,
 *   Escape closes and returns to the button, a click elsewhere closes (WCAG 1.4.13).
 * - Browsers that cannot show a closed <details> (no ::details-content) open it on wide
 *   screens; on phones it stays closed from the first paint either way. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 60rem)");
  var canStyleContent = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");

  document.querySelectorAll("[data-category-menu]").forEach(function (details) {
    if (!canStyleContent) {
      var fit = function () { if (wide.matches) details.open = true; };
      fit();
      if (wide.addEventListener) wide.addEventListener("change", fit);
    }

    details.querySelectorAll(".category-menu__item--parent").forEach(function (item) {
      var button = item.querySelector(".category-menu__expand");
      function set(open) {
        item.classList.toggle("is-open", open);
        item.classList.toggle("is-dismissed", !open);
        if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
      }
      if (button) {
        button.hidden = false;
        item.classList.add("has-button");
        button.addEventListener("click", function () {
          set(button.getAttribute("aria-expanded") !== "true");
        });
      }
      function reset() {
        item.classList.remove("is-dismissed");
      }
      item.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" || !wide.matches) return;
        set(false);
        (button || item.querySelector(".category-menu__link")).focus();
      });
      item.addEventListener("mouseleave", reset);
      item.addEventListener("focusout", function (event) {
        if (item.contains(event.relatedTarget)) return;
        if (button && button.getAttribute("aria-expanded") === "true") set(false);
        reset();
      });
    });
  });

  // A panel opened by the pointer alone closes on Escape too; a click elsewhere closes any.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".category-menu__item--parent:hover").forEach(function (item) {
      item.classList.add("is-dismissed");
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".category-menu__item--parent.is-open").forEach(function (item) {
      if (item.contains(event.target)) return;
      item.classList.remove("is-open");
      var button = item.querySelector(".category-menu__expand");
      if (button) button.setAttribute("aria-expanded", "false");
    });
  });
})();
