/* Draws every chart on the page: each element marked `data-chart` holds its Vega-Lite spec as JSON
   in `data-spec`. Runs on load and on content htmx swaps in.
   `ast: true` makes Vega interpret expressions instead of compiling them with Function(), so the
   page's Content-Security-Policy needs no 'unsafe-eval'. */
(function () {
  "use strict";
  var OPTIONS = {
    ast: true,
    actions: false,
    defaultStyle: false,
    renderer: "svg",
    tooltip: { disableDefaultStyle: true },
    config: {},
  };

  function drawAll(root) {
    if (typeof window.vegaEmbed !== "function") return;
    var nodes = root.querySelectorAll ? root.querySelectorAll("[data-chart]") : [];
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.getAttribute("data-drawn")) return;
      var spec = el.getAttribute("data-spec");
      if (!spec) return;
      el.setAttribute("data-drawn", "pending");
      window.vegaEmbed(el, JSON.parse(spec), OPTIONS).then(
        function (result) {
          // A mark whose datum carries an `href` (an aging bar) opens that page, in this tab.
          result.view.addEventListener("click", function (event, item) {
            var datum = item && item.datum;
            if (datum && typeof datum.href === "string" && datum.href.charAt(0) === "/") {
              window.location.assign(datum.href);
            }
          });
          el.setAttribute("data-drawn", "yes");
          el.classList.add("is-drawn");
        },
        function (error) { el.setAttribute("data-drawn", "failed"); console.error(error); }
      );
    });
  }

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
})();
