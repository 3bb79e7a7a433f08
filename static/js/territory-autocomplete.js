/*
 * Territory autocomplete: an accessible enhancement (WAI-ARIA 1.2 combobox with a listbox popup) of any
 *   <input data-territory-autocomplete="COM,EPCI,DEP,REG" [data-key-target="<id of a hidden input>"]
 *          [data-autocomplete-url="/directory/territoires/autocompletion/"]>
 * It queries the JSON endpoint directory:territory_autocomplete (?q=…&kind=COM&kind=EPCI…), shows the
 * suggestions, and on choice fills the input with the suggestion's label (« Faux-la-Montagne (23) ») and the
 * hidden input named by data-key-target with the coverage key (COM-23077). Typing again clears that key.
 * Keyboard: Down/Up move in the list (Down opens it), Enter picks, Escape closes, Tab leaves.
 * A polite live region announces how many suggestions there are.
 * Without JavaScript the input stays a plain text field: the server (TerritoryField) resolves what was typed.
 * After a choice the input fires "change" and a bubbling "territory:selected" event ({detail: suggestion}).
 * No dependency. Strings go through Django's JavaScript catalogue when the page loads it (window.gettext).
 */
(function () {
  "use strict";

  var DEFAULT_URL = "/directory/territoires/autocompletion/";
  var DEBOUNCE_MS = 200;
  var MIN_CHARS = 2;
  var counter = 0;

  function t(text) {
    return typeof window.gettext === "function" ? window.gettext(text) : text;
  }

  function plural(count, one, many) {
    if (typeof window.ngettext === "function") {
      return window.ngettext(one, many, count).replace("%(count)s", count);
    }
    return (count > 1 ? many : one).replace("%(count)s", count);
  }

  function injectStyles() {
    if (document.getElementById("territory-autocomplete-styles")) return;
    var style = document.createElement("style");
    style.id = "territory-autocomplete-styles";
    style.textContent =
      ".ta-wrapper{position:relative;max-width:32rem}" +
      ".ta-listbox{position:absolute;z-index:1100;left:0;right:0;top:100%;margin:2px 0 0;padding:0;list-style:none;" +
      "background:#fff;border:1px solid #6b7385;border-radius:6px;box-shadow:0 4px 12px rgba(0,0,0,.15);" +
      "max-height:18rem;overflow-y:auto}" +
      ".ta-listbox[hidden]{display:none}" +
      ".ta-option{padding:.45rem .6rem;cursor:pointer;color:#1d2331}" +
      ".ta-option .ta-extra{color:#4a5468;font-size:.875rem;margin-left:.4rem}" +
      ".ta-option:hover{background:#f3f5f9}" +
      ".ta-option[aria-selected=true]{background:#0b5c4f;color:#fff;outline:2px solid #c2410c;outline-offset:-2px}" +
      ".ta-option[aria-selected=true] .ta-extra{color:#fff}";
    document.head.appendChild(style);
  }

  function Autocomplete(input) {
    this.input = input;
    this.kinds = (input.getAttribute("data-territory-autocomplete") || "COM")
      .split(",")
      .map(function (kind) { return kind.trim().toUpperCase(); })
      .filter(Boolean);
    this.url = input.getAttribute("data-autocomplete-url") || DEFAULT_URL;
    var targetId = input.getAttribute("data-key-target");
    this.keyTarget = targetId ? document.getElementById(targetId) : null;
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.sequence = 0;
    this.lastQuery = null;
    this.build();
    this.bind();
  }

  Autocomplete.prototype.build = function () {
    var input = this.input;
    counter += 1;
    if (!input.id) input.id = "territory-input-" + counter;
    var base = input.id;

    var wrapper = document.createElement("div");
    wrapper.className = "ta-wrapper";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    this.listbox = document.createElement("ul");
    this.listbox.id = base + "-listbox";
    this.listbox.className = "ta-listbox";
    this.listbox.setAttribute("role", "listbox");
    // Not labelled by the field's own label: a page (or a test) looking the field up by its label must find the
    // input alone.
    this.listbox.setAttribute("aria-label", t("Suggestions"));
    this.listbox.hidden = true;
    wrapper.appendChild(this.listbox);

    this.status = document.createElement("div");
    this.status.id = base + "-status";
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.status.setAttribute("aria-atomic", "true");
    wrapper.appendChild(this.status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("spellcheck", "false");
  };

  Autocomplete.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      if (self.keyTarget) self.keyTarget.value = "";
      self.schedule();
    });
    this.input.addEventListener("keydown", function (event) { self.onKeyDown(event); });
    this.input.addEventListener("blur", function () {
      // Let a click on an option land first (options keep the focus on the input with mousedown).
      window.setTimeout(function () { self.close(); }, 150);
    });
    this.listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this.listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) self.choose(Number(option.getAttribute("data-index")));
    });
  };

  Autocomplete.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    var query = this.input.value.trim();
    if (query.length < MIN_CHARS) {
      this.cancel();
      this.lastQuery = null;
      this.close();
      return;
    }
    this.timer = window.setTimeout(function () { self.fetch(query); }, DEBOUNCE_MS);
  };

  Autocomplete.prototype.cancel = function () {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.sequence += 1;
  };

  Autocomplete.prototype.fetch = function (query) {
    var self = this;
    this.cancel();
    var sequence = this.sequence;
    var params = new URLSearchParams();
    params.append("q", query);
    this.kinds.forEach(function (kind) { params.append("kind", kind); });
    this.controller = typeof AbortController === "function" ? new AbortController() : null;
    var options = { headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (this.controller) options.signal = this.controller.signal;
    window
      .fetch(this.url + "?" + params.toString(), options)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        // A newer keystroke has made this answer stale.
        if (sequence !== self.sequence) return;
        self.controller = null;
        self.lastQuery = query;
        self.show(data.results || []);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        if (sequence !== self.sequence) return;
        self.results = [];
        self.close();
        self.announce(t("Les suggestions sont indisponibles ; vous pouvez valider ce que vous avez tapé."));
      });
  };

  Autocomplete.prototype.show = function (results) {
    var self = this;
    this.results = results;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.listbox.textContent = "";
    results.forEach(function (result, index) {
      var option = document.createElement("li");
      option.id = self.listbox.id + "-option-" + index;
      option.className = "ta-option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(index));
      option.setAttribute("data-key", result.key);
      option.appendChild(document.createTextNode(result.label));
      if (result.postal_codes && result.postal_codes.length) {
        var extra = document.createElement("span");
        extra.className = "ta-extra";
        var codes = result.postal_codes.slice(0, 3).join(", ") + (result.postal_codes.length > 3 ? "…" : "");
        extra.textContent = codes;
        option.appendChild(extra);
      }
      self.listbox.appendChild(option);
    });
    if (results.length) {
      this.open();
      this.announce(
        plural(
          results.length,
          "%(count)s suggestion disponible. Flèches haut et bas pour parcourir, Entrée pour choisir.",
          "%(count)s suggestions disponibles. Flèches haut et bas pour parcourir, Entrée pour choisir."
        )
      );
    } else {
      this.close();
      this.announce(t("Aucune suggestion."));
    }
  };

  Autocomplete.prototype.open = function () {
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Autocomplete.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Autocomplete.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Autocomplete.prototype.highlight = function (index) {
    var options = this.listbox.querySelectorAll("[role=option]");
    if (!options.length) return;
    if (index < 0) index = options.length - 1;
    if (index >= options.length) index = 0;
    for (var i = 0; i < options.length; i += 1) {
      options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    this.active = index;
    this.input.setAttribute("aria-activedescendant", options[index].id);
    if (options[index].scrollIntoView) options[index].scrollIntoView({ block: "nearest" });
  };

  Autocomplete.prototype.choose = function (index) {
    var result = this.results[index];
    if (!result) return;
    this.input.value = result.label;
    if (this.keyTarget) this.keyTarget.value = result.key;
    this.lastQuery = result.label;
    this.close();
    this.announce(t("Sélectionné :") + " " + result.label);
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    this.input.dispatchEvent(new CustomEvent("territory:selected", { bubbles: true, detail: result }));
  };

  Autocomplete.prototype.announce = function (message) {
    this.status.textContent = message;
  };

  Autocomplete.prototype.onKeyDown = function (event) {
    switch (event.key) {
      case "ArrowDown":
      case "Down":
        event.preventDefault();
        if (!this.isOpen()) {
          if (this.results.length && this.lastQuery === this.input.value.trim()) {
            this.open();
            this.highlight(0);
          } else {
            window.clearTimeout(this.timer);
            if (this.input.value.trim().length >= MIN_CHARS) this.fetch(this.input.value.trim());
          }
          return;
        }
        this.highlight(this.active + 1);
        break;
      case "ArrowUp":
      case "Up":
        if (!this.isOpen()) return;
        event.preventDefault();
        this.highlight(this.active - 1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          // Choosing a suggestion must not submit the form.
          event.preventDefault();
          this.choose(this.active);
        }
        break;
      case "Escape":
      case "Esc":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  function enhance(root) {
    injectStyles();
    var inputs = (root || document).querySelectorAll("input[data-territory-autocomplete]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.territoryAutocomplete) return;
      input.territoryAutocomplete = new Autocomplete(input);
    });
  }

  window.TerritoryAutocomplete = { enhance: enhance };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
