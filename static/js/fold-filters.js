/* On a small screen, filter blocks (<details data-fold-small open>) start folded, so the results and the map
 * come first; without JavaScript they stay open, and on a large screen they stay open beside the results. */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 48rem)").matches) {
    return;
  }
  var blocks = document.querySelectorAll("details[data-fold-small]");
  for (var i = 0; i < blocks.length; i++) {
    if (!blocks[i].hasAttribute("data-keep-open")) {
      blocks[i].open = false;
    }
  }
})();
