// Page actions without inline script (the Content-Security-Policy holds): print and copy.
// "Skriv ut" buttons: <button data-print> opens the browser's print dialog.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

// "Kopiera" buttons: <button data-copy="input-id"> copies the input's value and says so in the
// element with data-copy-status="input-id" (read out by screen readers).
document.querySelectorAll("[data-copy]").forEach((button) => {
  const input = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  if (!input) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    input.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(input.value);
      copied = true;
    } catch {
      copied = document.execCommand("copy");
    }
    if (status) {
      status.textContent = copied
        ? "Länken är kopierad. Klistra in den i din kalender."
        : "Kunde inte kopiera – markera länken och kopiera den själv.";
    }
  });
});
