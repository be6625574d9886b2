// The screens' progressive enhancement (loaded from 'self' after app.js; no inline
// script, no eval, no HTML from anywhere but this console's own rendered fragments):
// - the live alert table: rows from /alerts/events inserted at the top without
//   touching the operator's selection; j/k or arrows move it, Enter opens, a and c
//   acknowledge and claim (the node's MarkAlert: the mark comes back over every open
//   stream, so colleagues see who claimed what); a "sound on" toggle for seize
//   alerts; the stream resumes from its cursor
//   (the browser's Last-Event-ID, or ?after= when this script reopens it after the
//   browser went offline or gave up), so nothing is missed and nothing shown twice;
// - countdowns to confirmation deadlines, overdue ones marked;
// - a confirmation's page refreshes its state when the stream says it changed;
// - an agreement's fingerprint compared, group by group, with the one typed in.
"use strict";

(function () {
  var SOUND_KEY = "argos.sound";

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // -- the event stream, resumed from its cursor -----------------------------------

  function LiveStream(url, handlers, onState) {
    this.url = url;
    this.handlers = handlers;
    this.onState = onState;
    this.last = null;
    this.source = null;
    this.stopped = false;
    this.retry = true;
    this.delay = 2000;
  }

  LiveStream.prototype.open = function () {
    var self = this;
    if (self.stopped) return;
    var url = self.url + (self.last !== null ? "?after=" + encodeURIComponent(self.last) : "");
    var source = new EventSource(url);
    self.source = source;
    source.addEventListener("open", function () {
      self.delay = 2000;
      self.onState("live");
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (an error page, not a stream): try again in a while,
        // from the last position taken.
        self.onState("offline");
        self.source = null;
        if (!self.retry) return;
        window.setTimeout(function () { if (!self.source) self.open(); }, self.delay);
        self.delay = Math.min(self.delay * 2, 60000);
      } else {
        self.onState("reconnecting");
      }
    });
    Object.keys(self.handlers).forEach(function (name) {
      source.addEventListener(name, function (event) {
        if (event.lastEventId) self.last = event.lastEventId;
        self.handlers[name](JSON.parse(event.data), event);
      });
    });
  };

  LiveStream.prototype.close = function () {
    if (this.source) this.source.close();
    this.source = null;
  };

  LiveStream.prototype.stop = function () {
    this.stopped = true;
    this.close();
  };

  LiveStream.prototype.followNetwork = function () {
    var self = this;
    window.addEventListener("offline", function () {
      self.close();
      self.onState("offline");
    });
    window.addEventListener("online", function () {
      if (!self.source) self.open();
    });
  };

  // -- the alert table ----------------------------------------------------------------

  function AlertTable(section) {
    this.section = section;
    this.rows = section.querySelector("[data-alert-rows]");
    this.state = section.querySelector("[data-stream-state]");
    this.notices = section.querySelector("[data-notices]");
    this.audio = section.querySelector("[data-seize-sound]");
    this.soundButton = section.querySelector("[data-sound]");
    this.marks = {}; // hit id -> the latest mark the stream gave: {mark, by, mine}
    this.sound = window.localStorage.getItem(SOUND_KEY) === "on";
    this.showSound();
  }

  AlertTable.prototype.text = function (name) {
    return this.section.getAttribute("data-text-" + name) || "";
  };

  AlertTable.prototype.setState = function (state) {
    var label = { live: "live", offline: "offline", reconnecting: "offline", behind: "behind", ended: "ended" }[state];
    this.state.textContent = this.text(label);
    this.state.setAttribute("data-state", state);
  };

  AlertTable.prototype.add = function (data) {
    if (document.getElementById("alert-" + data.hit_id)) return; // shown already
    var row = parse(data.html);
    var empty = this.rows.querySelector("[data-empty]");
    if (empty) empty.remove();
    // At the top; the selected row keeps its element, its class and its focus.
    this.rows.insertBefore(row, this.rows.firstElementChild);
    this.showMark(row);
    if (data.seize && this.sound && this.audio) {
      this.audio.currentTime = 0;
      this.audio.play().catch(function () {});
    }
  };

  AlertTable.prototype.notice = function (data) {
    var el = parse(data.html);
    this.notices.insertBefore(el, this.notices.firstElementChild);
    document.dispatchEvent(new CustomEvent("argos:confirmation", { detail: data }));
  };

  AlertTable.prototype.selected = function () {
    return this.rows.querySelector("tr.selected");
  };

  AlertTable.prototype.select = function (row) {
    if (!row || !row.hasAttribute("data-hit")) return;
    var current = this.selected();
    if (current) {
      current.classList.remove("selected");
      current.setAttribute("aria-selected", "false");
    }
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    row.focus();
  };

  AlertTable.prototype.move = function (step) {
    var current = this.selected();
    if (!current) {
      this.select(this.rows.querySelector("tr[data-hit]"));
      return;
    }
    this.select(step > 0 ? current.nextElementSibling : current.previousElementSibling);
  };

  AlertTable.prototype.mark = function (row, kind) {
    var self = this;
    var body = new URLSearchParams();
    body.set("mark", kind);
    var shown = row.querySelector("[data-mark]");
    window.Argos.send("/alerts/" + row.getAttribute("data-position") + "/mark", { method: "POST", body: body })
      .then(function (response) {
        // Shown when the node's mark comes back over the stream, as colleagues see it.
        if (!response.ok && shown) shown.textContent = self.text("mark-failed");
      })
      .catch(function () { if (shown) shown.textContent = self.text("mark-failed"); });
  };

  AlertTable.prototype.marked = function (data) {
    this.marks[data.hit_id] = data;
    var row = document.getElementById("alert-" + data.hit_id);
    if (row) this.showMark(row);
  };

  AlertTable.prototype.showMark = function (row) {
    var m = this.marks[row.getAttribute("data-hit")];
    var kind = m ? m.mark : "";
    row.classList.toggle("acked", kind === "acknowledged");
    row.classList.toggle("claimed", kind === "claimed");
    row.classList.toggle("mine", Boolean(m && m.mine));
    var mark = row.querySelector("[data-mark]");
    if (!mark) return;
    if (!m) { mark.textContent = ""; return; }
    var who = m.mine ? this.text("by-me") : m.by;
    var label = kind === "acknowledged" ? "✓ " + this.text("acked-by") : "☛ " + this.text("claimed-by");
    mark.textContent = label.replace("{by}", who);
  };

  AlertTable.prototype.showSound = function () {
    if (!this.soundButton) return;
    this.soundButton.setAttribute("aria-pressed", this.sound ? "true" : "false");
  };

  AlertTable.prototype.toggleSound = function () {
    this.sound = !this.sound;
    window.localStorage.setItem(SOUND_KEY, this.sound ? "on" : "off");
    this.showSound();
    if (this.sound && this.audio) {
      // Played once on the click: the browser then allows it on new alerts.
      this.audio.play().catch(function () {});
    }
  };

  AlertTable.prototype.start = function () {
    var self = this;
    var stream = new LiveStream(
      self.section.getAttribute("data-events"),
      {
        alert: function (data) { self.add(data); },
        mark: function (data) { self.marked(data); },
        confirmation: function (data) { self.notice(data); },
        feed: function (data) { self.notices.insertBefore(parse(data.html), self.notices.firstElementChild); },
        behind: function () { self.setState("behind"); },
        ended: function (data) {
          stream.stop();
          self.setState("ended");
          if (data.signin) window.location.reload();
        },
      },
      function (state) { self.setState(state); }
    );
    stream.followNetwork();
    stream.open();
    self.stream = stream;

    self.rows.addEventListener("click", function (event) {
      var row = event.target.closest("tr[data-hit]");
      if (!row) return;
      if (event.target.closest("[data-ack]")) self.mark(row, "acknowledged");
      else if (event.target.closest("[data-claim]")) self.mark(row, "claimed");
      self.select(row);
    });
    if (self.soundButton) {
      self.soundButton.addEventListener("click", function () { self.toggleSound(); });
    }
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.altKey || event.ctrlKey || event.metaKey) return;
      var row = self.selected();
      switch (event.key) {
        case "j": case "ArrowDown": self.move(1); break;
        case "k": case "ArrowUp": self.move(-1); break;
        case "Enter":
          if (!row || event.target.closest("button, a")) return;
          window.location.assign(row.getAttribute("data-href"));
          break;
        case "a": if (row) self.mark(row, "acknowledged"); break;
        case "c": if (row) self.mark(row, "claimed"); break;
        default: return;
      }
      event.preventDefault();
    });
  };

  // -- countdowns ----------------------------------------------------------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.getAttribute("data-deadline")) - now) / 1000);
      var row = el.closest("tr");
      if (left < 0) {
        el.textContent = "⚑ " + el.getAttribute("data-overdue-text");
        el.classList.add("overdue");
        if (row) row.classList.add("overdue");
        return;
      }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = h + "h " + pad(m) + "m " + pad(s) + "s";
    });
  }

  // -- a confirmation's page -------------------------------------------------------------

  function watchRequest(card) {
    var id = card.getAttribute("data-watch-request");
    var slot = card.querySelector("[data-status-slot]");
    var url = slot.getAttribute("data-status-url");
    var stream;
    function refresh() {
      window.Argos.send(url).then(function (response) {
        if (!response.ok) return;
        return response.text().then(function (html) {
          slot.replaceChildren(parse(html));
          var status = slot.querySelector("[data-status]");
          if (status && status.getAttribute("data-state") !== "open") {
            // Closed: nothing more to answer, refuse or withdraw, nothing more to wait for.
            document.querySelectorAll("[data-open-only]").forEach(function (el) { el.remove(); });
            if (stream) stream.stop();
          }
        });
      });
    }
    var opened = false;
    stream = new LiveStream(
      "/alerts/events",
      {
        confirmation: function (data) { if (data.request_id === id) refresh(); },
        ended: function () { stream.stop(); },
      },
      function (state) {
        // Once connected, look once: an answer may have come before the stream opened.
        if (state === "live" && !opened) { opened = true; refresh(); }
      }
    );
    stream.retry = false;
    stream.followNetwork();
    stream.open();
  }

  // -- fingerprints ------------------------------------------------------------------------

  function normal(text) { return (text || "").toUpperCase().replace(/[^A-Z0-9]/g, ""); }

  function compareFingerprints(section) {
    var ours = section.querySelector("[data-our-fingerprint]");
    var input = section.querySelector("[data-their-fingerprint]");
    var verdict = section.querySelector("[data-fp-verdict]");
    if (!ours || !input || !verdict) return;
    function show() {
      var a = normal(ours.getAttribute("data-our-fingerprint"));
      var b = normal(input.value);
      var groups = ours.querySelectorAll(".fp-group");
      groups.forEach(function (g, i) {
        var heard = b.substr(i * 4, 4);
        g.classList.toggle("fp-same", heard.length === 4 && heard === normal(g.textContent));
        g.classList.toggle("fp-differ", heard.length === 4 && heard !== normal(g.textContent));
      });
      if (!b) { verdict.textContent = ""; verdict.removeAttribute("data-result"); return; }
      var same = a === b;
      verdict.textContent = verdict.getAttribute(same ? "data-same" : "data-differ");
      verdict.setAttribute("data-result", same ? "same" : "differ");
    }
    input.addEventListener("input", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var alerts = document.querySelector("[data-alerts]");
    if (alerts) new AlertTable(alerts).start();
    var card = document.querySelector("[data-watch-request]");
    if (card && window.Argos) watchRequest(card);
    var fp = document.querySelector("[data-fingerprints]");
    if (fp) compareFingerprints(fp);
    if (document.querySelector("[data-deadline]")) {
      tick();
      window.setInterval(tick, 1000);
    }
  });
})();
