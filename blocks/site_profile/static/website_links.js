/* "Liên kết website" as a select: with JavaScript, choosing a website goes there at once.
   Without it, the form's "Đi tới" button does the same through /lien-ket-website/di.
   The address comes from the stored link (data-url, http/https only); going there is an
   ordinary navigation, which the site's CSP (form-action 'self') does not restrict. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-website-links]").forEach(function (form) {
    var select = form.querySelector("select");
    if (!select) return;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var url = option && option.getAttribute("data-url");
      if (url && /^https?:\/\//.test(url)) window.location.assign(url);
    });
  });
})();
