/* Page editor: drag a block card to another place or region.
 * Dropping submits the same "move" form that the region menu uses, so the
 * server does the work and the result is identical with or without a mouse.
 * The Up/Down buttons and the region menu keep everything usable by keyboard
 * and without JavaScript. */
(function () {
  "use strict";
  var regions = document.querySelector(".regions");
  if (!regions) return;
  var version = regions.getAttribute("data-version");
  var dragged = null;
  var marker = document.createElement("li");
  marker.className = "drop-marker";
  marker.setAttribute("aria-hidden", "true");

  function csrfToken() {
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function cardsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("card") && el !== dragged;
    });
  }

  function dropIndex(list, y) {
    var cards = cardsOf(list);
    for (var i = 0; i < cards.length; i++) {
      var box = cards[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) return i;
    }
    return cards.length;
  }

  function submitMove(card, region, position) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = card.getAttribute("data-move-url");
    [["csrf_token", csrfToken()], ["version", version], ["region", region], ["position", String(position)]]
      .forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
    document.body.appendChild(form);
    form.submit();
  }

  document.querySelectorAll(".card[data-key]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-key"));
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("is-dragging");
      if (marker.parentNode) marker.parentNode.removeChild(marker);
      document.querySelectorAll(".is-drop-target").forEach(function (el) { el.classList.remove("is-drop-target"); });
      dragged = null;
    });
  });

  document.querySelectorAll("ol.cards[data-region]").forEach(function (list) {
    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      list.classList.add("is-drop-target");
      var cards = cardsOf(list);
      var index = dropIndex(list, event.clientY);
      list.insertBefore(marker, cards[index] || null);
    });
    list.addEventListener("dragleave", function (event) {
      if (!list.contains(event.relatedTarget)) list.classList.remove("is-drop-target");
    });
    list.addEventListener("drop", function (event) {
      if (!dragged) return;
      event.preventDefault();
      submitMove(dragged, list.getAttribute("data-region"), dropIndex(list, event.clientY));
    });
  });
})();
