// Autosave of a journal note's draft (rehab.views.note_draft): the draft is kept on the
// server, never in the browser's storage. Saves a few seconds after the last keystroke and
// when the page is left; the status line (aria-live) says when it was saved.
const form = document.querySelector("form[data-draft-url]");
if (form) {
  const url = form.dataset.draftUrl;
  const status = form.querySelector("[data-draft-status]");
  let timer = null;
  let dirty = false;

  const body = () => {
    const data = new FormData(form);
    data.delete("utkast");
    return data;
  };

  const save = async () => {
    timer = null;
    if (!dirty) return;
    dirty = false;
    try {
      const response = await fetch(url, { method: "POST", body: body(), credentials: "same-origin" });
      const answer = await response.json();
      if (status) status.textContent = answer.status || answer.fel || "";
    } catch {
      dirty = true;
      if (status) status.textContent = "Utkastet kunde inte sparas just nu – spara anteckningen eller tryck på Spara utkast.";
    }
  };

  form.addEventListener("input", () => {
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 2000);
  });
  // Saving the note itself deletes the draft on the server: no autosave after that.
  form.addEventListener("submit", () => {
    dirty = false;
    if (timer) clearTimeout(timer);
  });
  window.addEventListener("pagehide", () => {
    if (dirty) navigator.sendBeacon(url, body());
  });
}
