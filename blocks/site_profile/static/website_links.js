/* "Liên kết website" as a select: with JavaScript, choosing a website goes there at once.
   Without it, the form's "Đi tới" button does the same (a GET to the redirect endpoint). */
(function () {
  "use strict";
  document.querySelectorAll("form[data-website-links]").forEach(function (form) {
    var select = form.querySelector("select");
    if (!select) return;
    select.addEventListener("change", function () {
      if (select.value) form.submit();
    });
  });
})();
