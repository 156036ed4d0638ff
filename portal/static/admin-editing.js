/* Never lose typing, on every admin screen (loaded by admin/base.html).
 * 1. Forms marked data-guard-unsaved warn before the page is left with unsaved
 *    changes (closing the tab, reloading, any link such as "Tổng quan"); saving
 *    the form does not warn. Ctrl+S / Cmd+S saves the form.
 * 2. Forms with data-autosave-key send what was typed to the server a few
 *    seconds after each change (portal.content.autosaves): never a revision,
 *    the saved article or page stays as it is. An autosave left from before
 *    (a crash, a closed tab) is offered back: "Khôi phục bản tự lưu" puts every
 *    field back (TinyMCE's body too) with the version it was typed against, so
 *    saving it still meets the edit-conflict check.
 * 3. Forms with data-confirm ask before a destructive step; without JavaScript
 *    the server asks on a page of its own (portal.web.admin.confirm).
 * Without JavaScript the forms work as plain forms. */
(function () {
  "use strict";
  var DELAY = 3000;
  var SKIPPED = { csrf_token: true, version: true, confirmed: true };

  function csrfOf(form) {
    var input = form.querySelector('input[name="csrf_token"]') ||
      document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function syncEditors() {
    if (window.tinymce && window.tinymce.triggerSave) window.tinymce.triggerSave();
  }

  /* -- 3. confirm steps ---------------------------------------------------------------- */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (!message || form.querySelector('input[name="confirmed"]')) return;
    if (!window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.appendChild(confirmed);
  }, true);

  document.querySelectorAll("time[data-local-time]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) el.textContent = when.toLocaleString("vi-VN");
  });

  /* -- 1. unsaved changes ---------------------------------------------------------------- */
  var guarded = Array.prototype.slice.call(document.querySelectorAll("form[data-guard-unsaved]"));
  if (!guarded.length) return;
  var leaving = false;

  guarded.forEach(function (form) {
    form.portalDirty = form.getAttribute("data-unsaved") === "1";
    form.addEventListener("input", function () { changed(form); });
    form.addEventListener("change", function () { changed(form); });
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      leaving = true;  // saving: no warning, no more autosaves of this page
      if (form.portalAutosave) form.portalAutosave.stop();
    });
  });

  function changed(form) {
    form.portalDirty = true;
    if (form.portalAutosave) form.portalAutosave.schedule();
  }

  window.addEventListener("beforeunload", function (event) {
    if (leaving) return;
    var dirty = guarded.some(function (form) { return form.portalDirty; });
    if (!dirty) return;
    guarded.forEach(function (form) { if (form.portalAutosave) form.portalAutosave.flush(true); });
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own "leave this page?" question
  });

  function saveForm(form) {
    syncEditors();
    var button = form.querySelector('button[type="submit"][name="intent"][value="save"]') ||
      form.querySelector('button[type="submit"]:not([form])');
    leaving = true;
    if (form.portalAutosave) form.portalAutosave.stop();
    if (form.requestSubmit) form.requestSubmit(button || undefined);
    else form.submit();
  }
  window.portalSaveForm = function () { if (guarded[0]) saveForm(guarded[0]); };

  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || (event.key || "").toLowerCase() !== "s") return;
    var form = (document.activeElement && document.activeElement.form) || guarded[0];
    if (!form || !form.hasAttribute("data-guard-unsaved")) form = guarded[0];
    event.preventDefault();
    saveForm(form);
  });

  /* -- 2. autosave ----------------------------------------------------------------------- */
  function fieldsOf(form) {
    syncEditors();
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIPPED[el.name] || el.type === "file" || el.type === "password" ||
          el.type === "submit" || el.type === "button" || el.disabled) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        if (!(el.name in fields)) fields[el.name] = el.type === "checkbox" ? [] : "";
        return;
      }
      var value = el.value;
      if (el.type === "checkbox") {
        fields[el.name] = (Array.isArray(fields[el.name]) ? fields[el.name] : []).concat([value]);
      } else if (el.tagName === "SELECT" && el.multiple) {
        fields[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        fields[el.name] = value;
      }
    });
    return fields;
  }

  function restoreFields(form, fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in fields) || SKIPPED[el.name] || el.type === "file") return;
      var value = fields[el.name];
      if (el.type === "checkbox") {
        el.checked = Array.isArray(value) ? value.indexOf(el.value) >= 0 : value === el.value;
      } else if (el.type === "radio") {
        el.checked = el.value === value;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
      } else {
        el.value = Array.isArray(value) ? value[0] || "" : value;
        var editor = window.tinymce && el.id ? window.tinymce.get(el.id) : null;
        if (editor) editor.setContent(el.value);
      }
    });
  }

  function Autosave(form) {
    var key = form.getAttribute("data-autosave-key");
    var url = form.getAttribute("data-autosave-url");
    var status = document.querySelector("[data-autosave-status]");
    var offer = document.querySelector("[data-autosave-offer]");
    var timer = null;
    var stopped = false;
    var paused = false;
    var self = this;

    function say(text) { if (status) status.textContent = text; }

    function baseVersion() {
      var version = form.querySelector('input[name="version"]');
      return version ? version.value : (form.getAttribute("data-autosave-version") || "");
    }

    function send(keepalive) {
      timer = null;
      if (stopped || paused) return;
      var body = JSON.stringify({ key: key, base_version: baseVersion(), fields: fieldsOf(form) });
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: !!keepalive && body.length < 60000,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfOf(form) },
        body: body
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok && answer.ok) {
            var when = new Date(answer.saved_at);
            say((answer.stale ? answer.message + " " : "Đã tự lưu lúc ") +
              (isNaN(when) ? "" : when.toLocaleTimeString("vi-VN")) + ". Bấm Lưu (Ctrl+S) để lưu hẳn.");
            form.setAttribute("data-autosaved", answer.saved_at);
          } else {
            say("Chưa tự lưu được" + (answer.error ? ": " + answer.error : " (mã " + response.status + ")") +
              ". Nội dung vẫn còn trên trang; hãy bấm Lưu.");
          }
        });
      }).catch(function () {
        say("Mất kết nối nên chưa tự lưu được; nội dung vẫn còn trên trang.");
      });
    }

    this.schedule = function () {
      if (stopped) return;
      if (paused) {
        say("Tự lưu tạm dừng: hãy chọn “Khôi phục bản tự lưu” hoặc “Bỏ bản tự lưu” ở trên.");
        return;
      }
      if (timer) clearTimeout(timer);
      timer = setTimeout(send, DELAY);
    };
    this.flush = function (keepalive) {
      if (timer) { clearTimeout(timer); send(keepalive); }
    };
    this.stop = function () {
      stopped = true;
      if (timer) clearTimeout(timer);
    };

    var data = document.getElementById("autosave-data");
    if (offer && data) {
      var offered = null;
      try { offered = JSON.parse(data.textContent); } catch (error) { offered = null; }
      if (offered && offered.fields) {
        paused = true;
        offer.hidden = false;
        offer.querySelector("[data-autosave-restore]").addEventListener("click", function () {
          restoreFields(form, offered.fields);
          var version = form.querySelector('input[name="version"]');
          if (version && offered.base_version) version.value = offered.base_version;
          offer.hidden = true;
          paused = false;
          form.portalDirty = true;
          say("Đã khôi phục bản tự lưu. Kiểm tra rồi bấm Lưu.");
          var first = form.querySelector("input:not([type=hidden]), textarea, select");
          if (first) first.focus();
        });
        offer.querySelector("[data-autosave-discard]").addEventListener("click", function () {
          fetch(form.getAttribute("data-autosave-discard-url"), {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfOf(form) },
            body: JSON.stringify({ key: key })
          }).then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            offer.hidden = true;
            paused = false;
            say("Đã bỏ bản tự lưu.");
            if (form.portalDirty) self.schedule();
          }).catch(function () {
            say("Chưa bỏ được bản tự lưu (mất kết nối?); hãy thử lại.");
          });
        });
      }
    }
  }

  guarded.forEach(function (form) {
    if (form.hasAttribute("data-autosave-key") && window.fetch) form.portalAutosave = new Autosave(form);
  });
})();

/* Swapping an article's main image: the alt text and caption described the old image.
 * They are cleared (the saved article keeps them until saved; choosing the old image
 * again brings them back) and the new library image's own texts fill in when it has
 * any; the editor is asked to describe the new image. The server refuses a new image
 * saved with the old image's texts (portal.web.admin.articles). */
(function () {
  "use strict";
  var box = document.querySelector("[data-saved-image]");
  if (!box) return;
  var form = box.closest("form");
  var alt = document.getElementById("image_alt");
  var caption = document.getElementById("image_caption");
  var note = document.querySelector("[data-image-swap-note]");
  var saved = {
    image: box.getAttribute("data-saved-image"),
    alt: box.getAttribute("data-saved-alt"),
    caption: box.getAttribute("data-saved-caption")
  };
  if (!alt || !caption || !saved.image) return;

  function swapped(radio, uploaded) {
    var same = !uploaded && radio && radio.value === saved.image;
    if (same) {
      if (!alt.value) alt.value = saved.alt;
      if (!caption.value) caption.value = saved.caption;
      if (note) note.hidden = true;
      return;
    }
    if (!uploaded && radio && radio.value === "") { if (note) note.hidden = true; return; }
    var cleared = false;
    if (saved.alt && alt.value === saved.alt) { alt.value = ""; cleared = true; }
    if (saved.caption && caption.value === saved.caption) { caption.value = ""; cleared = true; }
    if (radio && !uploaded) {
      if (!alt.value && radio.getAttribute("data-alt")) alt.value = radio.getAttribute("data-alt");
      if (!caption.value && radio.getAttribute("data-caption")) caption.value = radio.getAttribute("data-caption");
    }
    if (note && cleared) note.hidden = false;
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "image_id" && target.checked) swapped(target, false);
    if (target.name === "image_file" && target.files && target.files.length) swapped(null, true);
  });
})();
