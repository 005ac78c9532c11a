// Starts Swagger UI on the platform's own OpenAPI document (kept out of the page for the CSP).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true });
});
