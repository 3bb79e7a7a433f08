// "Imprimer mon parcours": the button exists only when JavaScript can print; the page prints well without it.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
