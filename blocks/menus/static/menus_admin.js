/* Menu manager: drag and drop of the draft items (two levels), and a confirm before delete.
 * Dropping posts the whole order to the same server check as the buttons; the
 * Lên/Xuống/Thụt vào/Ra ngoài buttons keep everything usable by keyboard and
 * without JavaScript. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // After a move (the page reloads at #muc-<id>), keyboard users continue from the item moved.
  // (On "load": the browser's own scrolling to the fragment comes first.)
  window.addEventListener("load", function () {
    if (!/^#muc-\d+$/.test(window.location.hash)) return;
    var moved = document.querySelector(window.location.hash + " > .menu-item__row");
    if (moved) moved.focus();
  });

  var tree = document.querySelector("[data-menu-tree]");
  var form = document.getElementById("arrange-form");
  var live = document.getElementById("menu-live");
  if (!tree || !form) return;
  var dragged = null;
  var marker = document.createElement("li");
  marker.className = "menu-drop-marker";
  marker.setAttribute("aria-hidden", "true");

  function itemsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("menu-item") && el !== dragged;
    });
  }

  function childList(item) {
    return item.querySelector(":scope > .menu-tree--children");
  }

  function order() {
    return itemsOfAll(tree).map(function (item) {
      var children = childList(item);
      return {
        id: Number(item.getAttribute("data-id")),
        children: children ? itemsOfAll(children).map(function (child) {
          return Number(child.getAttribute("data-id"));
        }) : []
      };
    });
  }

  function targetList(event) {
    var list = event.target.closest ? event.target.closest("ol.menu-tree") : null;
    if (!list || !tree.contains(list) && list !== tree) return null;
    // An item with children of its own stays at the top level (two levels at most).
    if (list !== tree && childList(dragged) && itemsOfAll(childList(dragged)).length) return tree;
    if (list !== tree && list.closest(".menu-item") === dragged) return tree;
    return list;
  }

  function itemsOfAll(list) {
    return Array.prototype.filter.call(list.children, function (el) { return el.classList.contains("menu-item"); });
  }

  function dropIndex(list, y) {
    var items = itemsOf(list);
    for (var i = 0; i < items.length; i++) {
      var box = items[i].querySelector(".menu-item__row").getBoundingClientRect();
      if (y < box.top + box.height / 2) return i;
    }
    return items.length;
  }

  tree.querySelectorAll(".menu-item").forEach(function (item) {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", function (event) {
      event.stopPropagation();
      dragged = item;
      item.classList.add("is-dragged");
      document.body.classList.add("is-dragging-menu");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-id"));
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("is-dragged");
      document.body.classList.remove("is-dragging-menu");
      if (marker.parentNode) marker.parentNode.removeChild(marker);
      dragged = null;
    });
  });

  tree.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var list = targetList(event);
    if (!list) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var items = itemsOf(list);
    list.insertBefore(marker, items[dropIndex(list, event.clientY)] || null);
  });

  tree.addEventListener("drop", function (event) {
    if (!dragged) return;
    var list = targetList(event);
    if (!list) return;
    event.preventDefault();
    var items = itemsOf(list);
    list.insertBefore(dragged, items[dropIndex(list, event.clientY)] || null);
    if (marker.parentNode) marker.parentNode.removeChild(marker);
    if (live) live.textContent = "Đang lưu thứ tự mới…";
    form.querySelector('input[name="order"]').value = JSON.stringify(order());
    form.submit();
  });
})();
