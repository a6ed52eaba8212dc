// Long work shows that it is working: a link or form marked data-long-task (a PDF/DOCX export, the audit
// verification) gets a spoken and visible "working" indicator instead of a page that seems frozen.
//
// - A link is fetched in the background; when the file has arrived it is handed to the browser as a download
//   and the link is usable again. When the answer is not a file (an error page, the sign-in page), the browser
//   simply opens the link, so the server's message is shown as usual.
// - A form is submitted as usual; its submit buttons are disabled (no double submission) until the next page
//   arrives, or until the browser comes back to this page (the back button), or after a safety timeout.
//
// The texts come from the page (data-long-task, data-long-task-done, data-long-task-error), so they are in the
// user's language. Without JavaScript the links and forms work as plain links and forms.
(function () {
  "use strict";

  var FORM_TIMEOUT_MS = 120000;
  var CLEAR_AFTER_MS = 6000;

  function statusFor(el) {
    // one polite live region per marked element, created empty so that its first text is announced
    var id = el.getAttribute("data-long-task-status");
    var region = id && document.getElementById(id);
    if (region) return region;
    region = document.createElement("span");
    region.id = "long-task-status-" + Math.random().toString(36).slice(2, 10);
    region.className = "long-task-status";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    el.setAttribute("data-long-task-status", region.id);
    el.setAttribute("aria-describedby", ((el.getAttribute("aria-describedby") || "") + " " + region.id).trim());
    el.insertAdjacentElement("afterend", region);
    return region;
  }

  function say(region, text, state) {
    region.setAttribute("data-state", state);
    region.textContent = text;
  }

  function start(el) {
    var region = statusFor(el);
    el.setAttribute("aria-busy", "true");
    el.classList.add("is-busy");
    // set the text on the next tick: screen readers announce changes of a region that already exists
    window.setTimeout(function () {
      say(region, el.getAttribute("data-long-task") || "…", "working");
    }, 0);
    return region;
  }

  function finish(el, region, text, state) {
    el.removeAttribute("aria-busy");
    el.classList.remove("is-busy");
    say(region, text, state);
    window.setTimeout(function () {
      if (region.getAttribute("data-state") === state) say(region, "", "idle");
    }, CLEAR_AFTER_MS);
  }

  function fileName(response, url) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
    if (star) {
      try { return decodeURIComponent(star[1].trim()); } catch (e) { /* fall through */ }
    }
    var plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
    if (plain) return plain[1].trim();
    return url.split("?")[0].split("/").pop() || "download";
  }

  function isFile(response) {
    var type = (response.headers.get("Content-Type") || "").toLowerCase();
    var disposition = (response.headers.get("Content-Disposition") || "").toLowerCase();
    return response.ok && (disposition.indexOf("attachment") !== -1 || type.indexOf("text/html") === -1);
  }

  function download(link) {
    var url = link.href;
    var region = start(link);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!isFile(response)) {
          // an error page or the sign-in page: let the browser show it
          window.location.assign(url);
          return null;
        }
        return response.blob().then(function (blob) {
          var href = URL.createObjectURL(blob);
          var save = document.createElement("a");
          save.href = href;
          save.download = fileName(response, url);
          save.hidden = true;
          document.body.appendChild(save);
          save.click();
          save.remove();
          window.setTimeout(function () { URL.revokeObjectURL(href); }, 60000);
          finish(link, region, link.getAttribute("data-long-task-done") || "", "done");
        });
      })
      .catch(function () {
        finish(link, region, link.getAttribute("data-long-task-error") || "", "error");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-long-task]");
    if (!link || event.defaultPrevented) return;
    // a new tab or window, or a saved link: the browser's own business
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return; // already working: no second request
    if (!window.fetch || !window.URL || !URL.createObjectURL) {
      window.location.assign(link.href);
      return;
    }
    download(link);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-long-task]")) return;
    if (event.defaultPrevented) return; // e.g. a refused data-confirm
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault(); // already submitted once
      return;
    }
    var region = start(form);
    var buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
    // disable after the submission has been taken (a disabled button would not be sent)
    window.setTimeout(function () {
      buttons.forEach(function (button) { button.disabled = true; });
    }, 0);
    var release = function () {
      buttons.forEach(function (button) { button.disabled = false; });
      if (form.getAttribute("aria-busy") === "true") finish(form, region, "", "idle");
    };
    window.setTimeout(release, FORM_TIMEOUT_MS);
    window.addEventListener("pageshow", function (e) { if (e.persisted) release(); }, { once: true });
  });
})();
