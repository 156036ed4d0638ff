/* The rich editor (TinyMCE) of the admin: the article body, and the rich-text
 * settings of blocks in the page editor (portal.RichTextField).
 * Every textarea[data-editor="tinymce"] becomes an editor when the library is
 * installed (node_modules, served under /_vendor/tinymce). Without it, or
 * without JavaScript, the textarea stays and takes HTML; either way the server
 * sanitizes the HTML when it is saved (portal.text.sanitize_html), so the
 * editor's own filtering below only keeps what the reader will really see.
 * The textarea's data attributes: data-upload-url and data-image-list-url
 * (images: upload, choose from the library; without them no upload),
 * data-readonly="1", data-height (pixels, 560 by default). */
(function () {
  "use strict";
  var textareas = document.querySelectorAll('textarea[data-editor="tinymce"]');
  if (!textareas.length || !window.tinymce) return;

  var csrfInput = document.querySelector('input[name="csrf_token"]');
  var script = document.querySelector('script[src*="/_vendor/tinymce/tinymce.min.js"]');
  var query = script && script.src.indexOf("?") >= 0 ? script.src.slice(script.src.indexOf("?")) : "";

  /* What portal.text.ALLOWED_TAGS / ALLOWED_ATTRIBUTES let through; the rest is
   * dropped while typing and pasting, not only on save. */
  var VALID_ELEMENTS = [
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong/b", "em/i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol[start]", "li", "a[href|title]", "img[src|alt|title|width|height]",
    "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th[colspan|rowspan|scope]",
    "td[colspan|rowspan]", "caption", "span", "div", "pre", "code"
  ].join(",");

  /* The editor's own texts in Vietnamese (the toolbar and dialogs used here). */
  var VIETNAMESE = {
    "Undo": "Hoàn tác", "Redo": "Làm lại", "Bold": "Đậm", "Italic": "Nghiêng",
    "Blocks": "Kiểu đoạn", "Paragraph": "Đoạn văn", "Bullet list": "Danh sách dấu chấm",
    "Numbered list": "Danh sách đánh số", "Blockquote": "Trích dẫn",
    "Insert/edit link": "Chèn/sửa liên kết", "Insert/edit image": "Chèn/sửa ảnh",
    "Table": "Bảng", "Insert table": "Chèn bảng", "Clear formatting": "Xóa định dạng",
    "Special character": "Ký tự đặc biệt", "Source code": "Mã HTML", "Fullscreen": "Toàn màn hình",
    "Find and replace": "Tìm và thay thế", "Find": "Tìm", "Replace with": "Thay bằng",
    "Replace": "Thay", "Replace all": "Thay tất cả", "Match case": "Phân biệt hoa thường",
    "Find whole words only": "Chỉ tìm nguyên từ", "Previous": "Trước", "Next": "Sau",
    "Could not find the specified string.": "Không tìm thấy chuỗi này.",
    "URL": "Địa chỉ (URL)", "Text to display": "Chữ hiển thị", "Title": "Tiêu đề",
    "Link": "Liên kết", "Link...": "Liên kết…", "Remove link": "Bỏ liên kết", "Open link": "Mở liên kết",
    "Link list": "Danh sách liên kết", "Image": "Ảnh", "Image...": "Ảnh…", "Insert image": "Chèn ảnh",
    "Source": "Nguồn ảnh", "Alternative description": "Mô tả ảnh (alt)",
    "Image is decorative": "Ảnh chỉ để trang trí", "Image list": "Thư viện ảnh",
    "Show caption": "Hiện chú thích", "Caption": "Chú thích", "Width": "Rộng", "Height": "Cao",
    "Constrain proportions": "Giữ tỉ lệ", "General": "Chung", "Upload": "Tải lên",
    "Browse for an image": "Chọn ảnh từ máy", "Drop an image here": "Thả ảnh vào đây",
    "Save": "Lưu", "Cancel": "Hủy", "Close": "Đóng", "Insert": "Chèn", "Remove": "Gỡ",
    "Rows": "Số hàng", "Columns": "Số cột", "Row": "Hàng", "Column": "Cột", "Cell": "Ô",
    "Table properties": "Thuộc tính bảng", "Delete table": "Xóa bảng",
    "Insert row before": "Chèn hàng phía trên", "Insert row after": "Chèn hàng phía dưới",
    "Insert column before": "Chèn cột bên trái", "Insert column after": "Chèn cột bên phải",
    "Delete row": "Xóa hàng", "Delete column": "Xóa cột", "Merge cells": "Gộp ô", "Split cell": "Tách ô",
    "Row properties": "Thuộc tính hàng", "Cell properties": "Thuộc tính ô",
    "Words": "Số từ", "Characters": "Số ký tự",
    "Rich Text Area": "Vùng soạn thảo", "Rich Text Area. Press ALT-0 for help.": "Vùng soạn thảo nội dung.",
    "Formats": "Định dạng", "Format": "Định dạng", "Search": "Tìm kiếm",
    "{0} words": "{0} từ", "{0} characters": "{0} ký tự", "None": "(không chọn)"
  };

  /* Word and LibreOffice put conditional comments, Office namespaces, styles,
   * classes and "fake" lists (paragraphs with a typed bullet) into the
   * clipboard. This turns such HTML into plain structure before TinyMCE sees
   * it: real <ul>/<ol> lists, no styles or classes, nothing the writer could
   * not see (hidden text). It works on a parsed copy (DOMParser runs no script). */
  var BULLET_ONLY = /^[\s\u00a0·•▪◦o§\-–*]*$/;
  var NUMBERED = /^\s*(\d+|[a-z]|[ivxlc]+)[.)]/i;

  function removeHidden(root) {
    root.querySelectorAll("[style]").forEach(function (el) {
      var style = el.getAttribute("style").replace(/\s+/g, "").toLowerCase();
      if (/display:none|visibility:hidden|mso-hide:all/.test(style)) el.remove();
    });
  }

  function isWordListItem(el) {
    return el.tagName === "P" && (/mso-list/i.test(el.getAttribute("style") || "") ||
      /^MsoListParagraph/.test(el.getAttribute("class") || ""));
  }

  /* The bullet or number Word typed: between <![if !supportLists]> and <![endif]>. */
  function takeListMarker(paragraph) {
    var marker = "";
    var inside = false;
    Array.prototype.slice.call(paragraph.childNodes).forEach(function (node) {
      var comment = node.nodeType === 8 ? node.data.replace(/\s+/g, "") : "";
      if (comment.indexOf("[if!supportLists]") === 0) { inside = true; node.remove(); return; }
      if (comment.indexOf("[endif]") === 0 && inside) { inside = false; node.remove(); return; }
      if (inside) { marker += node.textContent; node.remove(); }
    });
    if (!marker) {  // no markers: a leading span with only a bullet in it
      var first = paragraph.firstElementChild;
      if (first && first.tagName === "SPAN" && (BULLET_ONLY.test(first.textContent) ||
          /mso-list:\s*ignore/i.test(first.getAttribute("style") || ""))) {
        marker = first.textContent;
        first.remove();
      }
    }
    return marker;
  }

  function convertFakeLists(root) {
    var list = null;
    Array.prototype.slice.call(root.querySelectorAll("p")).forEach(function (paragraph) {
      if (!isWordListItem(paragraph)) { list = null; return; }
      var marker = takeListMarker(paragraph);
      var kind = NUMBERED.test(marker) && !BULLET_ONLY.test(marker) ? "OL" : "UL";
      var previous = paragraph.previousElementSibling;
      if (!list || previous !== list || list.tagName !== kind) {
        list = root.ownerDocument.createElement(kind);
        paragraph.parentNode.insertBefore(list, paragraph);
      }
      var item = root.ownerDocument.createElement("li");
      while (paragraph.firstChild) item.appendChild(paragraph.firstChild);
      list.appendChild(item);
      paragraph.remove();
    });
  }

  function cleanPastedHtml(html) {
    if (!/class=["']?Mso|mso-|urn:schemas-microsoft-com|<o:p|<w:|OpenOffice|LibreOffice|<style/i.test(html)) {
      return html;  // not from a word processor: TinyMCE's own filtering is enough
    }
    var doc = new DOMParser().parseFromString(html, "text/html");
    var root = doc.body;
    removeHidden(root);
    convertFakeLists(root);
    root.querySelectorAll("style, meta, link, title, xml, script").forEach(function (el) { el.remove(); });
    var walker = doc.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
    var comments = [];
    while (walker.nextNode()) comments.push(walker.currentNode);
    comments.forEach(function (node) { node.remove(); });
    root.querySelectorAll("*").forEach(function (el) {
      if (el.tagName.indexOf(":") > 0) {  // o:p, w:sdt …: keep the text, drop the tag
        while (el.firstChild) el.parentNode.insertBefore(el.firstChild, el);
        el.remove();
        return;
      }
      ["class", "style", "lang", "align", "face", "size", "color"].forEach(function (name) {
        el.removeAttribute(name);
      });
    });
    root.querySelectorAll("span, font").forEach(function (el) {  // bare wrappers carry nothing now
      if (!el.attributes.length) {
        while (el.firstChild) el.parentNode.insertBefore(el.firstChild, el);
        el.remove();
      }
    });
    root.querySelectorAll("p, li").forEach(function (el) {
      if (!el.textContent.replace(/\u00a0/g, " ").trim() && !el.querySelector("img")) el.remove();
    });
    return root.innerHTML.replace(/\u00a0/g, " ").replace(/ {2,}/g, " ");
  }

  function uploadImage(textarea, blobInfo, progress) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      data.append("file", blobInfo.blob(), blobInfo.filename());
      var request = new XMLHttpRequest();
      request.open("POST", textarea.getAttribute("data-upload-url"));
      request.setRequestHeader("X-CSRFToken", csrfInput ? csrfInput.value : "");
      request.upload.onprogress = function (event) {
        if (event.lengthComputable) progress(event.loaded / event.total * 100);
      };
      request.onload = function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
        if (request.status === 200 && answer && answer.location) {
          resolve(answer.location);
        } else {
          reject({
            message: (answer && answer.error) || "Không tải được ảnh lên (mã " + request.status + ").",
            remove: true
          });
        }
      };
      request.onerror = function () {
        reject({ message: "Không kết nối được máy chủ để tải ảnh lên.", remove: true });
      };
      request.send(data);
    });
  }

  function setUp(textarea) {
    var uploadUrl = textarea.getAttribute("data-upload-url");
    tinymce.init({
      target: textarea,
      language: "vi",
      language_load: false,
      cache_suffix: query,
      promotion: false,
      branding: false,
      menubar: false,
      elementpath: false,
      height: parseInt(textarea.getAttribute("data-height") || "560", 10),
      min_height: 240,
      resize: true,
      readonly: textarea.getAttribute("data-readonly") === "1",
      plugins: "autolink charmap code fullscreen image link lists searchreplace table wordcount",
      toolbar: "undo redo | blocks | bold italic | bullist numlist blockquote | link image table | " +
        "charmap removeformat | searchreplace code fullscreen",
      toolbar_mode: "wrap",
      block_formats: "Đoạn văn=p; Tiêu đề mục=h2; Tiêu đề nhỏ=h3; Tiêu đề nhỏ hơn=h4",
      valid_elements: VALID_ELEMENTS,
      valid_styles: { "*": "" },
      valid_classes: { "*": "" },
      invalid_elements: "script,style,iframe,object,embed,form,input,button,font",
      paste_data_images: false,
      paste_webkit_styles: "none",
      paste_remove_styles_if_webkit: true,
      paste_preprocess: function (editor, args) { args.content = cleanPastedHtml(args.content); },
      entity_encoding: "raw",
      relative_urls: false,
      remove_script_host: true,
      convert_urls: true,
      link_assume_external_targets: "https",
      link_target_list: false,
      link_title: false,
      image_caption: true,
      image_advtab: false,
      image_title: false,
      image_list: textarea.getAttribute("data-image-list-url") || undefined,
      images_upload_handler: uploadUrl ? function (blobInfo, progress) {
        return uploadImage(textarea, blobInfo, progress);
      } : undefined,
      images_file_types: "jpeg,jpg,png,webp,gif",
      automatic_uploads: Boolean(uploadUrl),
      file_picker_types: "image",
      table_default_attributes: {},
      table_default_styles: {},
      table_style_by_css: false,
      table_use_colgroups: false,
      table_appearance_options: false,
      table_advtab: false,
      table_cell_advtab: false,
      table_row_advtab: false,
      object_resizing: "img",
      content_css: "default",
      content_style: "body { font-family: system-ui, sans-serif; font-size: 17px; line-height: 1.6; max-width: 46rem; margin: 1rem auto; padding: 0 1rem; } img { max-width: 100%; height: auto; } figure { margin: 1rem 0; } figcaption { font-size: 0.9em; color: #555; }",
      setup: function (editor) {
        // Keep the textarea current, so the form always posts what is on screen; a real
        // change is told to the form (admin-editing.js: unsaved-changes warning, autosave).
        var last = textarea.value;
        editor.on("init", function () { editor.save(); last = textarea.value; });  // as loaded, normalized
        editor.on("change input undo redo keyup", function () {
          editor.save();
          if (textarea.value !== last) {
            last = textarea.value;
            textarea.dispatchEvent(new Event("input", { bubbles: true }));
          }
        });
        // Ctrl+S / Cmd+S inside the editor saves the form, as it does outside it.
        editor.addShortcut("meta+s", "Lưu", function () {
          if (window.portalSaveForm) window.portalSaveForm();
        });
      }
    });
  }

  tinymce.addI18n("vi", VIETNAMESE);
  textareas.forEach(setUp);
})();
