/* Article form.
 * 1. The media library's picker opens in a window; the image chosen there is
 *    added to the form's image choices in place, so nothing typed is lost.
 *    Without JavaScript the link opens the library in this window instead.
 * 2. The body's rich editor (TinyMCE) is set up by admin-editor.js, shared with
 *    the rich-text settings of blocks in the page editor. */
(function () {
  "use strict";
  var link = document.querySelector("a[data-media-picker]");
  if (!link) return;
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });

  function choose(image) {
    var grid = document.querySelector(".image-grid");
    var radio = grid.querySelector('input[name="image_id"][value="' + image.id + '"]');
    if (!radio) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      label.className = "image-grid__item";
      radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "image_id";
      radio.value = String(image.id);
      var picture = document.createElement("img");
      picture.src = image.src;
      picture.alt = "";
      var caption = document.createElement("span");
      caption.textContent = image.alt || ("Ảnh #" + image.id);
      label.append(radio, " ", picture, " ", caption);
      item.appendChild(label);
      grid.insertBefore(item, grid.children[1] || null);
    }
    radio.setAttribute("data-alt", image.alt || "");
    radio.setAttribute("data-caption", image.caption || "");
    radio.checked = true;
    // As a click would: admin-editing.js clears the old image's alt text and caption.
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    var alt = document.getElementById("image_alt");
    if (alt && !alt.value && image.alt) alt.value = image.alt;
    var captionField = document.getElementById("image_caption");
    if (captionField && !captionField.value && image.caption) captionField.value = image.caption;
    radio.focus();
  }

  link.addEventListener("click", function (event) {
    var popup = window.open(link.href, "thu-vien-anh", "width=1100,height=800");
    if (popup) event.preventDefault();  // blocked: follow the link in this window
  });
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || !data || data.type !== "portal:media-picked") return;
    if (data.field === "image_id" && data.image) choose(data.image);
  });
})();

/* The share image (og:image): the library's picker opens in a window and the image chosen
 * there is selected in the list in place, so nothing typed is lost. */
(function () {
  "use strict";
  var link = document.querySelector("a[data-social-picker]");
  var select = document.getElementById("social_image_id");
  if (!link || !select) return;
  link.addEventListener("click", function (event) {
    var popup = window.open(link.href, "thu-vien-anh-chia-se", "width=1100,height=800");
    if (popup) event.preventDefault();
  });
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || !data || data.type !== "portal:media-picked") return;
    if (data.field !== "social_image_id" || !data.image) return;
    var value = String(data.image.id);
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
    if (!option) {
      option = new Option((data.image.alt || "Ảnh") + " (#" + value + ")", value);
      select.add(option, 1);
    }
    select.value = value;
    select.focus();
  });
})();
