/* Media library in picker mode, opened as a popup (window.open) or in a same-origin iframe:
 * "Chọn ảnh này" sends the chosen image to the screen that opened the picker and closes it;
 * "Hủy" just closes it. Opened as a normal page, the links work as plain links (the chosen
 * id comes back in the return URL's query string). The message, for listeners:
 *   {type: "portal:media-picked", field, image: {id, src, srcset, width, height, alt, caption}}
 * It is posted to this site's own origin only. */
(function () {
  "use strict";
  var host = window.opener || (window.parent !== window ? window.parent : null);
  if (!host) return;
  try {
    if (host.location.origin !== window.location.origin) return;
  } catch (error) {
    return; // another site opened us: behave as plain links
  }

  function finish() {
    if (window.opener) window.close();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-media-pick], [data-media-cancel]");
    if (!link) return;
    event.preventDefault();
    if (link.hasAttribute("data-media-pick")) {
      host.postMessage(
        {
          type: "portal:media-picked",
          field: link.getAttribute("data-field"),
          image: {
            id: Number(link.getAttribute("data-id")),
            src: link.getAttribute("data-src"),
            srcset: link.getAttribute("data-srcset"),
            width: Number(link.getAttribute("data-width")),
            height: Number(link.getAttribute("data-height")),
            alt: link.getAttribute("data-alt"),
            caption: link.getAttribute("data-caption"),
          },
        },
        window.location.origin
      );
    } else {
      host.postMessage({ type: "portal:media-cancelled" }, window.location.origin);
    }
    finish();
  });
})();
