// The quote editor's running totals (SAL-7): each line and the quote's sums as the server
// will compute them. The server stays authoritative; this only saves a round trip while
// typing. Uses toUnits and formatUnits of app.js, which loads first.
//
// Rules, as on the server: subtotal = quantity × price; discount = subtotal × discount %;
// tax = (subtotal − discount) × tax %; each rounded half away from zero to the currency's
// minor unit (0 decimals for JPY, KRW, VND, CLP, ISK, UGX; 2 otherwise).

const NO_MINOR_UNIT = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX"];

// Rounds a non-negative amount given in 10^-scale units to the currency's minor unit, and
// answers it in stored units (10^-4).
function roundTo(value, scale, digits) {
  const step = 10n ** BigInt(scale - digits);
  return ((value + step / 2n) / step) * 10n ** BigInt(4 - digits);
}

function quoteLine(row, digits) {
  const text = (name) => row.querySelector(`[name=${name}]`).value.trim();
  if (text("quantity") === "" && text("unit_price") === "") return { empty: true };
  const quantity = text("quantity") === "" ? 10000n : toUnits(text("quantity"));
  const price = toUnits(text("unit_price"));
  const discount = text("discount") === "" ? 0n : toUnits(text("discount").replace("%", ""));
  const rate = text("tax_rate") === "" ? 0n : toUnits(text("tax_rate").replace("%", ""));
  if (quantity === null || price === null || discount === null || rate === null) return null;
  const subtotal = roundTo(quantity * price, 8, digits);
  // A percentage in 10^-4 units is a factor in 10^-6 units.
  const off = roundTo(subtotal * discount, 10, digits);
  const tax = roundTo((subtotal - off) * rate, 10, digits);
  return { subtotal, off, tax, total: subtotal - off + tax };
}

function updateQuote(form) {
  const currency = (form.querySelector("[name=currency]").value.trim() || "CNY").toUpperCase();
  const digits = NO_MINOR_UNIT.includes(currency) ? 0 : 2;
  const sums = { subtotal: 0n, discount: 0n, tax: 0n, total: 0n };
  let complete = true;
  form.querySelectorAll("[data-quote-line]").forEach((row) => {
    const out = row.querySelector("[data-line-total]");
    const line = quoteLine(row, digits);
    if (line === null) {
      out.textContent = "—";
      complete = false;
    } else if (line.empty) {
      out.textContent = "";
    } else {
      out.textContent = formatUnits(line.total);
      sums.subtotal += line.subtotal;
      sums.discount += line.off;
      sums.tax += line.tax;
      sums.total += line.total;
    }
  });
  for (const [key, value] of Object.entries(sums)) {
    const cell = form.querySelector(`[data-quote-${key}]`);
    if (cell) cell.textContent = complete ? formatUnits(value) : "—";
  }
}

document.addEventListener("input", (event) => {
  const form = event.target.closest("[data-quote]");
  if (form) updateQuote(form);
});

document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-quote] select[name=product_id]");
  if (!select) return;
  // A product brings its list price, unless a price was typed already.
  const option = select.selectedOptions[0];
  const price = select.closest("[data-quote-line]").querySelector("[name=unit_price]");
  if (option && option.dataset.price && price.value.trim() === "") price.value = option.dataset.price;
  updateQuote(select.closest("[data-quote]"));
});

document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-quote-line]");
  if (!add) return;
  const rows = add.closest("[data-quote]").querySelectorAll("[data-quote-line]");
  const last = rows[rows.length - 1];
  if (!last) return;
  const copy = last.cloneNode(true);
  copy.querySelectorAll("input, select").forEach((input) => {
    input.value = "";
    input.removeAttribute("id");
  });
  copy.querySelectorAll(".error").forEach((node) => node.remove());
  copy.querySelector("[data-line-total]").textContent = "";
  last.after(copy);
  copy.querySelector("select, input").focus();
});
