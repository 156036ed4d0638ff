/* Bulletin toolbar: text size (remembered across pages), print, copy link.
 * Everything here only enhances: the article is fully readable without it. */
(function () {
  "use strict";
  var KEY = "portal.articleFontScale";
  var MIN = 0.8, MAX = 1.6, STEP = 0.1;

  function clamp(value) {
    return Math.min(MAX, Math.max(MIN, Math.round(value * 10) / 10));
  }

  function readScale() {
    try {
      var stored = parseFloat(window.localStorage.getItem(KEY));
      return isNaN(stored) ? 1 : clamp(stored);
    } catch (e) {
      return 1;
    }
  }

  function saveScale(scale) {
    try { window.localStorage.setItem(KEY, String(scale)); } catch (e) { /* private mode */ }
  }

  function applyScale(scale, announce) {
    document.documentElement.style.setProperty("--article-font-scale", String(scale));
    document.querySelectorAll("[data-font-size-controls]").forEach(function (group) {
      group.querySelector('[data-font-size="up"]').setAttribute("aria-disabled", String(scale >= MAX));
      group.querySelector('[data-font-size="down"]').setAttribute("aria-disabled", String(scale <= MIN));
      var status = group.querySelector("[data-font-size-status]");
      if (status && announce) {
        status.textContent = status.getAttribute("data-label") + " " + Math.round(scale * 100) + "%";
      }
    });
  }

  var scale = readScale();
  applyScale(scale, false);

  document.querySelectorAll("[data-font-size-controls]").forEach(function (group) {
    group.hidden = false;
    group.addEventListener("click", function (event) {
      var button = event.target.closest("[data-font-size]");
      if (!button || button.getAttribute("aria-disabled") === "true") return;
      var next = clamp(scale + (button.getAttribute("data-font-size") === "up" ? STEP : -STEP));
      if (next === scale) return;
      scale = next;
      saveScale(scale);
      applyScale(scale, true);
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  if (navigator.clipboard) {
    document.querySelectorAll("[data-copy-link]").forEach(function (button) {
      button.hidden = false;
      var text = button.querySelector("[data-copy-text]") || button;
      var original = text.textContent;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy-link")).then(function () {
          text.textContent = button.getAttribute("data-copied-label");
          window.setTimeout(function () { text.textContent = original; }, 2500);
        });
      });
    });
  }
})();
