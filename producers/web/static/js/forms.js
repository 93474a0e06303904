// Form helpers: reading inputs, and showing the API's errors beside the
// field that caused them.

import { APIError } from "./api.js";

/**
 * The JSON path of an API error as dotted names: "$.params.x", "/params/x"
 * and "params.x" all give "params.x".
 * @param {string} field
 */
export function normalizeField(field) {
  return String(field || "")
    .replace(/^\$\.?/, "")
    .replace(/^\//, "")
    .replace(/\//g, ".")
    .replace(/\[(\d+)\]/g, ".$1");
}

/**
 * The input of form that the API's field names: the one whose data-field
 * is the longest prefix of field, else the first one inside field (an
 * error on "params.x" lands on "params.x.from"), else null.
 * @param {HTMLFormElement} form
 * @param {string} field
 */
export function inputFor(form, field) {
  const f = normalizeField(field);
  if (!f) return null;
  let best = null;
  let bestLen = -1;
  const inputs = [...form.querySelectorAll("[data-field]")];
  for (const input of inputs) {
    const d = input.dataset.field;
    if ((f === d || f.startsWith(`${d}.`)) && d.length > bestLen) {
      best = input;
      bestLen = d.length;
    }
  }
  return best || inputs.find((input) => input.dataset.field.startsWith(`${f}.`)) || null;
}

/** Removes every error shown on form. */
export function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error, .form-error")) p.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/**
 * Shows message beside input (in the element "<input id>-error") and marks
 * the input invalid.
 * @param {HTMLElement} input
 * @param {string} message
 */
export function fieldError(input, message) {
  input.setAttribute("aria-invalid", "true");
  const out = document.getElementById(`${input.id}-error`);
  if (out) out.textContent = message;
}

/**
 * Shows an error on form: beside the field the API named, else at the
 * foot of the form (with the field's path when it named one the form does
 * not have). The field at fault takes the focus.
 * @param {HTMLFormElement} form
 * @param {Error} err
 */
export function showError(form, err) {
  const field = err instanceof APIError ? err.field : "";
  const input = inputFor(form, field);
  if (input) {
    fieldError(input, err.message);
    input.focus();
    return;
  }
  const out = form.querySelector(".form-error");
  const where = field ? `${normalizeField(field)}: ` : "";
  if (out) out.textContent = `${where}${err.message}`;
}

/**
 * The number typed in input, undefined when it is empty; throws a field
 * error when it is not a number.
 * @param {HTMLInputElement} input
 */
export function numberValue(input) {
  if (input.validity && input.validity.badInput) {
    throw new FieldError(input, "Enter a number.");
  }
  const v = input.value.trim();
  if (v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new FieldError(input, "Enter a number.");
  return n;
}

/** An error found in the form before sending it, tied to its input. */
export class FieldError extends Error {
  constructor(input, message) {
    super(message);
    this.name = "FieldError";
    this.input = input;
  }
}

/**
 * Runs submit on the form's submit event: clears its errors, disables its
 * button while the request runs, and shows what fails beside its field.
 * onAuth is called when the API refuses the request for want of a token.
 * @param {HTMLFormElement} form
 * @param {() => Promise<void>} submit
 * @param {() => void} onAuth
 */
export function handleSubmit(form, submit, onAuth) {
  // An error stays beside its field until the field is changed.
  form.addEventListener("input", (ev) => {
    const input = ev.target;
    if (!(input instanceof HTMLElement) || !input.hasAttribute("aria-invalid")) return;
    input.removeAttribute("aria-invalid");
    const out = document.getElementById(`${input.id}-error`);
    if (out) out.textContent = "";
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await submit();
    } catch (err) {
      if (err instanceof FieldError) {
        fieldError(err.input, err.message);
        err.input.focus();
      } else {
        if (err instanceof APIError && (err.status === 401 || err.status === 403)) onAuth();
        showError(form, err);
      }
    } finally {
      if (button) button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
}
