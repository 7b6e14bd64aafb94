// The workspace's forms answer a refusal with 4xx and the form again (its errors at the fields,
// or the blocks of the contact rules); htmx leaves 4xx answers unswapped unless told, so these
// are swapped like a success, for the workspace's own forms only.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var from = event.detail.requestConfig && event.detail.requestConfig.elt;
  if ((status === 409 || status === 422) && from && from.closest(".ws-action, #account-summary")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
