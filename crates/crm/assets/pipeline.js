// The pipeline board: a card dropped on another column posts the same form the card
// carries for browsers without this script, then follows where the server sends it — the
// board again, or the record's close form when the move needs more (a reason for 输单).
"use strict";

(() => {
  const board = document.querySelector("[data-board]");
  if (!board) return;
  board.classList.add("draggable");

  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest("[data-card][draggable]");
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.id);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });

  board.addEventListener("dragend", (event) => {
    const card = event.target.closest("[data-card]");
    if (card) card.classList.remove("dragging");
    board.querySelectorAll(".drop").forEach((c) => c.classList.remove("drop"));
  });

  board.addEventListener("dragover", (event) => {
    const column = event.target.closest("[data-stage]");
    if (!column) return;
    event.preventDefault();
    board.querySelectorAll(".drop").forEach((c) => c !== column && c.classList.remove("drop"));
    column.classList.add("drop");
  });

  board.addEventListener("drop", async (event) => {
    const column = event.target.closest("[data-stage]");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop");
    const id = event.dataTransfer.getData("text/plain");
    const card = board.querySelector(`[data-card][data-id="${CSS.escape(id)}"]`);
    const form = card && card.querySelector("form[data-move]");
    if (!form || card.closest("[data-stage]") === column) return;
    const body = new URLSearchParams(new FormData(form));
    body.set("stage_id", column.dataset.stage);
    column.querySelector(".deals").prepend(card);
    card.classList.add("moving");
    try {
      const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
      window.location.assign(response.url);
    } catch {
      window.location.reload();
    }
  });
})();
