/*
 * The map page: loads the structures of the current view from the GeoJSON endpoint (bbox + the page's filters),
 * clusters them (leaflet.markercluster), and lets the holder give a point for « Autour de moi » (the browser's
 * geolocation or a click on the map), which re-submits the filter form sorted by distance.
 * Called by django-leaflet once the map exists: {% leaflet_map "map" callback="window.guichetMapInit" %}.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  // Parameters of the page that are not filters of the GeoJSON endpoint.
  var PAGE_ONLY = ["page", "bbox"];

  function t(text) {
    return typeof window.gettext === "function" ? window.gettext(text) : text;
  }

  function plural(count, one, many) {
    var text = typeof window.ngettext === "function" ? window.ngettext(one, many, count) : count > 1 ? many : one;
    return text.replace("%(count)s", count.toLocaleString("fr-FR"));
  }

  function filtersFromPage() {
    var params = new URLSearchParams(window.location.search);
    PAGE_ONLY.forEach(function (name) { params.delete(name); });
    return params;
  }

  // The roles' short labels, given by the page (StructureRole in directory/models/vocabulary.py).
  function roleLabels() {
    var script = document.getElementById("map-role-labels");
    return script ? JSON.parse(script.textContent) : {};
  }

  function popupFor(properties, labels) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.name;
    box.appendChild(link);
    var roles = (properties.roles || []).map(function (role) { return labels[role] || role; });
    if (roles.length) {
      var meta = document.createElement("div");
      meta.textContent = roles.join(" · ");
      box.appendChild(meta);
    }
    return box;
  }

  function setPointAndSubmit(lat, lon) {
    var form = document.getElementById("map-filters");
    if (!form) return;
    form.elements.lat.value = lat.toFixed(5);
    form.elements.lon.value = lon.toFixed(5);
    form.elements.sort.value = "distance";
    form.submit();
  }

  window.guichetMapInit = function (map) {
    var container = map.getContainer();
    var url = container.getAttribute("data-geojson-url");
    var status = document.querySelector("[data-map-status]");
    var filters = filtersFromPage();
    var labels = roleLabels();
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    map.addLayer(cluster);
    var controller = null;
    var timer = null;
    var sequence = 0;

    var lat = parseFloat(container.getAttribute("data-lat"));
    var lon = parseFloat(container.getAttribute("data-lon"));
    if (!isNaN(lat) && !isNaN(lon)) {
      L.circleMarker([lat, lon], { radius: 9, color: "#c2410c", weight: 3, fillOpacity: 0.3 })
        .bindTooltip(t("Le point choisi"))
        .addTo(map);
      map.setView([lat, lon], 10);
    }

    function announce(text) {
      if (status) status.textContent = text;
    }

    function render(data) {
      cluster.clearLayers();
      var markers = (data.features || []).map(function (feature) {
        var coordinates = feature.geometry.coordinates;
        var marker = L.marker([coordinates[1], coordinates[0]], {
          title: feature.properties.name,
          alt: feature.properties.name,
          keyboard: true,
        });
        marker.bindPopup(popupFor(feature.properties, labels));
        marker.on("add", function () {
          var element = marker.getElement();
          if (element) element.setAttribute("data-structure", String(feature.properties.id));
        });
        return marker;
      });
      cluster.addLayers(markers);
      var message = plural(markers.length, "%(count)s structure sur cette vue de la carte.", "%(count)s structures sur cette vue de la carte.");
      if (data.left_out) {
        message += " " + plural(data.left_out, "%(count)s autre n'est pas affichée : zoomez pour la voir.", "%(count)s autres ne sont pas affichées : zoomez pour les voir.");
      }
      announce(message);
      container.setAttribute("data-loaded", String(markers.length));
    }

    function load() {
      if (controller) controller.abort();
      sequence += 1;
      var mine = sequence;
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var params = new URLSearchParams(filters);
      params.set("bbox", map.getBounds().toBBoxString());
      var options = { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" };
      if (controller) options.signal = controller.signal;
      announce(t("Chargement des structures…"));
      window
        .fetch(url + "?" + params.toString(), options)
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (mine === sequence) render(data);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          announce(t("Les structures n'ont pas pu être chargées ; la liste ci-dessous reste disponible."));
        });
    }

    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, DEBOUNCE_MS);
    });
    load();

    // « Autour de moi »: the tools only exist when JavaScript can run them.
    var tools = document.querySelector("[data-map-tools]");
    if (!tools) return;
    tools.hidden = false;
    var locate = tools.querySelector("[data-locate]");
    if (!("geolocation" in navigator)) {
      locate.hidden = true;
    }
    locate.addEventListener("click", function () {
      announce(t("Recherche de votre position…"));
      navigator.geolocation.getCurrentPosition(
        function (position) { setPointAndSubmit(position.coords.latitude, position.coords.longitude); },
        function () { announce(t("Votre position n'est pas disponible. Choisissez un point sur la carte.")); },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
    var pick = tools.querySelector("[data-pick-point]");
    pick.addEventListener("click", function () {
      var picking = pick.getAttribute("aria-pressed") !== "true";
      pick.setAttribute("aria-pressed", picking ? "true" : "false");
      container.style.cursor = picking ? "crosshair" : "";
      announce(picking ? t("Cliquez sur la carte à l'endroit choisi.") : "");
    });
    map.on("click", function (event) {
      if (pick.getAttribute("aria-pressed") !== "true") return;
      setPointAndSubmit(event.latlng.lat, event.latlng.lng);
    });
  };
})();
