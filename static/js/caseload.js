// The caseload's filters fill a phone's first screen: there they start closed (the same
// width as the stacked cards in css/app.css). Without script they are open everywhere.
(function () {
  "use strict";
  if (window.matchMedia("(max-width: 767.98px)").matches) {
    document.querySelectorAll("details.caseload-filters").forEach(function (details) {
      details.removeAttribute("open");
    });
  }
})();
