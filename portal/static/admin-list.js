/* The article list: a "tick all" box in the header of the tick column (the rows' boxes
 * work without it). */
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var cell = form.querySelector("thead .articles-table__pick");
  var boxes = form.querySelectorAll('tbody input[name="ids"]');
  if (!cell || !boxes.length) return;
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "pick-all";
  var label = document.createElement("label");
  label.htmlFor = "pick-all";
  label.className = "visually-hidden";
  label.textContent = "Đánh dấu tất cả bài trên trang này";
  cell.textContent = "";
  cell.appendChild(all);
  cell.appendChild(label);
  function sync() {
    var ticked = Array.prototype.filter.call(boxes, function (box) {
      return box.checked;
    }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  all.addEventListener("change", function () {
    Array.prototype.forEach.call(boxes, function (box) {
      box.checked = all.checked;
    });
  });
  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener("change", sync);
  });
  sync();
})();
