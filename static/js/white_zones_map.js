/*
 * The curators' white-zone map: the boundaries of the page's territories (départements of a région, or EPCIs of
 * a département), coloured by the class of the share of inhabitants without in-person support for one stage.
 * The stage buttons switch the colouring without a reload (their links work without JavaScript). The table of the
 * page gives the same figures. Called by django-leaflet: {% leaflet_map … callback="window.guichetWhiteZoneMapInit" %}.
 */
(function () {
  "use strict";

  // The fills of the classes 0…4, as in static/css/curation.css (darker, for a map under the tiles).
  var COLOURS = ["#2f9e6b", "#e8c547", "#f0a04b", "#e0683a", "#b3261e"];

  window.guichetWhiteZoneMapInit = function (map) {
    var container = map.getContainer();
    var script = document.getElementById("white-zone-geojson");
    if (!script) return;
    var data = JSON.parse(script.textContent);
    var stage = container.getAttribute("data-stage");

    function style(feature) {
      var level = feature.properties.levels[stage] || 0;
      return { color: "#333", weight: 1, fillColor: COLOURS[level], fillOpacity: 0.6 };
    }

    var layer = L.geoJSON(data, {
      style: style,
      onEachFeature: function (feature, item) {
        item.bindTooltip(function () {
          return feature.properties.name + " : " + feature.properties.figures[stage];
        }, { sticky: true });
      },
    }).addTo(map);
    if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    container.setAttribute("data-loaded", String(data.features.length));

    document.querySelectorAll(".stage-switch [data-stage]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        stage = link.getAttribute("data-stage");
        container.setAttribute("data-stage", stage);
        layer.setStyle(style);
        document.querySelectorAll(".stage-switch [data-stage]").forEach(function (other) {
          if (other === link) other.setAttribute("aria-current", "true");
          else other.removeAttribute("aria-current");
        });
        if (window.history && window.history.replaceState) {
          var url = new URL(window.location.href);
          url.searchParams.set("stage", stage);
          window.history.replaceState(null, "", url.toString());
        }
      });
    });
  };
})();
