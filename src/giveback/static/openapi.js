// Starts Swagger UI on the /schema page (a file of its own: the page's Content-Security-Policy allows no inline
// script). "Try it out" requests carry the page's CSRF token, as the site's own forms do.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.getAttribute("data-csrf-token");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    requestInterceptor: function (request) {
      if (csrfToken) {
        request.headers["X-CSRF-Token"] = csrfToken;
      }
      return request;
    },
  });
})();
