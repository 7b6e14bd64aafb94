// "Copy" buttons beside a secret shown once: <button data-copy="#input-id">. The clipboard API
// needs a secure context (HTTPS or localhost); elsewhere the text is selected for Ctrl+C.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.focus();
  field.select();
  const done = () => {
    button.textContent = "Copied";
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => {
      button.textContent = "Press Ctrl+C";
    });
  } else {
    button.textContent = "Press Ctrl+C";
  }
});
