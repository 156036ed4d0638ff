/* The media library.
 *
 * 1. Uploading several files at once: the upload form's file field takes several files,
 *    and files can be dropped on it. With this script each file is sent on its own to
 *    /admin/media/upload (the form's data-upload-one), with a progress bar and its own
 *    result (done, with a link to it, or the reason it was refused). Without the script
 *    the form posts all files at once and the page lists the results.
 *
 * 2. Picker mode, opened as a popup (window.open) or in a same-origin iframe:
 * "Chọn ảnh này" sends the chosen image to the screen that opened the picker and closes it;
 * "Hủy" just closes it. Opened as a normal page, the links work as plain links (the chosen
 * id comes back in the return URL's query string). The message, for listeners:
 *   {type: "portal:media-picked", field, image: {id, src, srcset, width, height, alt, caption}}
 * It is posted to this site's own origin only. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload-one]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector('input[type="file"]');
  var drop = form.querySelector("[data-media-drop]");
  var list = form.querySelector("[data-media-progress]");
  var chosen = [];

  function choose(files) {
    chosen = Array.prototype.slice.call(files || []);
  }
  input.addEventListener("change", function () {
    choose(input.files);
  });
  if (drop) {
    drop.querySelector("[data-media-drop-hint]").hidden = false;
    drop.addEventListener("dragover", function (event) {
      event.preventDefault();
      drop.classList.add("media-drop--over");
    });
    drop.addEventListener("dragleave", function () {
      drop.classList.remove("media-drop--over");
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.classList.remove("media-drop--over");
      choose(event.dataTransfer.files);
      try {
        input.files = event.dataTransfer.files; // the plain post sends them too
      } catch (error) {
        /* older browsers: the files go through the script only */
      }
      list.hidden = false;
      list.textContent = "";
      chosen.forEach(function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " — đã chọn, bấm “Tải lên”.";
        list.appendChild(item);
      });
    });
  }

  function field(name) {
    var element = form.querySelector('[name="' + name + '"]');
    return element ? element.value : "";
  }

  function row(file) {
    var item = document.createElement("li");
    item.className = "upload-list__item";
    var name = document.createElement("span");
    name.className = "upload-list__name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Tiến độ tải lên " + file.name);
    var status = document.createElement("span");
    status.className = "upload-list__status";
    status.textContent = "Đang chờ…";
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    list.appendChild(item);
    return { item: item, bar: bar, status: status };
  }

  function send(file, shown, done) {
    var data = new FormData();
    data.append("csrf_token", field("csrf_token"));
    data.append("alt", field("alt"));
    data.append("caption", field("caption"));
    data.append("file", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("data-upload-one"));
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        shown.bar.value = Math.round((event.loaded / event.total) * 100);
        shown.status.textContent = "Đang tải lên " + shown.bar.value + "%";
      }
    });
    request.addEventListener("load", function () {
      var answer = null;
      try {
        answer = JSON.parse(request.responseText);
      } catch (error) {
        answer = null;
      }
      if (request.status === 201 && answer) {
        shown.bar.value = 100;
        shown.item.classList.add("upload-list__item--ok");
        shown.status.textContent = answer.message + " ";
        var link = document.createElement("a");
        link.href = answer.url;
        link.textContent = "Chi tiết";
        shown.status.appendChild(link);
        done(answer.id);
      } else {
        shown.item.classList.add("upload-list__item--error");
        shown.status.textContent =
          "Không tải lên được: " +
          ((answer && answer.error) ||
            (request.status === 413
              ? "tệp lớn hơn mức máy chủ nhận."
              : "máy chủ trả lời lỗi " + request.status + "; hãy tải lại trang rồi thử lại."));
        done(null);
      }
    });
    request.addEventListener("error", function () {
      shown.item.classList.add("upload-list__item--error");
      shown.status.textContent = "Không tải lên được: mất kết nối tới máy chủ. Hãy thử lại.";
      done(null);
    });
    shown.status.textContent = "Đang tải lên…";
    request.send(data);
  }

  form.addEventListener("submit", function (event) {
    // No file, or no description: the plain post, whose page says what is missing.
    if (!chosen.length || !field("alt").trim()) return;
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    list.hidden = false;
    list.textContent = "";
    var files = chosen.slice();
    var shown = files.map(row);
    var ids = [];
    var next = 0;
    function step() {
      if (next >= files.length) {
        button.disabled = false;
        chosen = [];
        input.value = "";
        var summary = document.createElement("li");
        summary.className = "upload-list__summary";
        summary.textContent =
          "Xong: tải lên " + ids.length + "/" + files.length + " tệp. ";
        if (ids.length) {
          var target = new URL(form.action, window.location.href);
          ids.forEach(function (id) {
            target.searchParams.append("new", id);
          });
          var link = document.createElement("a");
          link.href = target.pathname + target.search;
          link.textContent = "Xem các ảnh vừa tải lên trong thư viện";
          summary.appendChild(link);
        }
        list.appendChild(summary);
        return;
      }
      var index = next++;
      send(files[index], shown[index], function (id) {
        if (id) ids.push(id);
        step();
      });
    }
    step();
  });
})();

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
