// The little script of the web UI; every page works without it.
"use strict";

// Controls that only work with this script are hidden until it runs.
document.documentElement.classList.add("js");

document.addEventListener("submit", (event) => {
  const form = event.target;
  // Destructive actions (delete, freeze) ask first.
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // A second click while the first request is on its way would post twice. A download
  // leaves the page where it is, so its form stays usable.
  if (event.submitter && event.submitter.hasAttribute("data-download")) return;
  if (form.method.toLowerCase() === "post") {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  }
});

// Leaving a page restored from the back/forward cache should allow posting again.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("form[data-sent]").forEach((form) => delete form.dataset.sent);
});

// Close the user menu when clicking elsewhere.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});

// A checkbox in a list's head selects every row's checkbox of the same name.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-select-all]");
  if (!all) return;
  const form = all.form;
  if (!form) return;
  form.querySelectorAll(`input[type="checkbox"][name="${all.dataset.selectAll}"]`).forEach((box) => {
    box.checked = all.checked;
  });
});

// ---- order lines: add a row, show each amount and the total as the server will compute it.

const SCALE = 10000n;

// "12,800.5" → 128005000n (four decimals, as the server stores amounts); null if not a number.
function toUnits(text) {
  const clean = text.replace(/[,\s]/g, "");
  const match = /^(\d*)(?:\.(\d{0,4}))?$/.exec(clean);
  if (!match || (match[1] === "" && !match[2])) return null;
  return BigInt(match[1] || "0") * SCALE + BigInt((match[2] || "").padEnd(4, "0"));
}

// Rounds half away from zero, like the server (四舍五入).
function multiply(quantity, price) {
  const product = quantity * price;
  return (product + SCALE / 2n) / SCALE;
}

function formatUnits(units) {
  const whole = (units / SCALE).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let fraction = (units % SCALE).toString().padStart(4, "0").replace(/0{1,2}$/, "");
  if (fraction.length < 2) fraction = fraction.padEnd(2, "0");
  return `${whole}.${fraction}`;
}

function updateOrder(order) {
  let total = 0n;
  let complete = true;
  order.querySelectorAll("[data-line]").forEach((line) => {
    const quantityText = line.querySelector("[name=quantity]").value.trim();
    const priceText = line.querySelector("[name=unit_price]").value.trim();
    const out = line.querySelector("[data-amount]");
    if (quantityText === "" && priceText === "") {
      out.textContent = "";
      return;
    }
    const quantity = quantityText === "" ? SCALE : toUnits(quantityText);
    const price = toUnits(priceText);
    if (quantity === null || price === null) {
      out.textContent = "—";
      complete = false;
      return;
    }
    const amount = multiply(quantity, price);
    out.textContent = formatUnits(amount);
    total += amount;
  });
  const shown = order.querySelector("[data-total]");
  const currency = order.querySelector("[name=currency]");
  const code = (currency && currency.value.trim().toUpperCase()) || "";
  if (shown) shown.textContent = complete ? `${formatUnits(total)} ${code}`.trim() : "—";
}

document.addEventListener("input", (event) => {
  const order = event.target.closest("[data-order]");
  if (order) updateOrder(order);
});

document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-order] select[name=product_id]");
  if (!select) return;
  // A product brings its list price, unless a price was typed already.
  const option = select.selectedOptions[0];
  const price = select.closest("[data-line]").querySelector("[name=unit_price]");
  if (option && option.dataset.price && price.value.trim() === "") price.value = option.dataset.price;
  updateOrder(select.closest("[data-order]"));
});

document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-line]");
  if (!add) return;
  const order = add.closest("[data-order]");
  const lines = order.querySelectorAll("[data-line]");
  const last = lines[lines.length - 1];
  if (!last) return;
  const copy = last.cloneNode(true);
  copy.querySelectorAll("input, select").forEach((input) => {
    input.value = "";
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    input.removeAttribute("id");
  });
  copy.querySelectorAll(".error, [data-amount]").forEach((node) => {
    if (node.hasAttribute("data-amount")) node.textContent = "";
    else node.remove();
  });
  copy.classList.remove("invalid");
  last.after(copy);
  const first = copy.querySelector("select, input");
  if (first) first.focus();
});

