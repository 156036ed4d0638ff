// Xuất / nhập dữ liệu: follow a running job's progress, then show its report.
// Without JavaScript the page refreshes itself (a <meta> refresh in <noscript>).
(function () {
  "use strict";
  var box = document.getElementById("tien-do");
  if (!box || !box.dataset.statusUrl) return;
  var bar = document.getElementById("tien-do-thanh");
  var label = document.getElementById("trang-thai");
  var text = document.getElementById("tien-do-chu");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 3000); return; }
        if (!state.working) { window.location.reload(); return; }
        label.textContent = state.label;
        if (bar) { bar.value = state.percent; bar.textContent = state.percent + "%"; }
        if (text && state.total) {
          text.textContent = ": " + state.done + "/" + state.total + " bước (" + state.percent + "%)";
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
