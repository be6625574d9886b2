// The console's own progressive enhancement, loaded from 'self' only (the CSP allows no
// inline script and no eval). Every page works without it; with it:
// - fetch() calls made through Argos.send carry the page's CSRF token (X-CSRF-Token,
//   from <meta name="csrf-token">), as forms carry it in a hidden field;
// - a form with data-confirm="question" asks before it is sent;
// - Argos.events(url, handlers) follows a server-sent event stream; the browser's
//   EventSource reconnects by itself and sends Last-Event-ID, so a page resumes from
//   its cursor after a lost connection.
"use strict";

(function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function send(url, options) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    headers.set("X-CSRF-Token", csrfToken());
    options.headers = headers;
    options.credentials = "same-origin";
    return fetch(url, options);
  }

  function events(url, handlers) {
    var source = new EventSource(url);
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) {
        handlers[name](event.data ? JSON.parse(event.data) : null, event);
      });
    });
    return source;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  window.Argos = { csrfToken: csrfToken, send: send, events: events };
})();
