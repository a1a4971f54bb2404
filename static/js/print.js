// "Skriv ut" buttons: <button data-print> opens the browser's print dialog (no inline script,
// so the Content-Security-Policy holds).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
