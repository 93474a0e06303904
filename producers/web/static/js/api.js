// The job API, as the page uses it: JSON in and out, exact integers, and
// the API's errors ({"error", "field"}) as APIError.

const tokenKey = "nsqfarm.token";

// memoryToken holds the token when the browser refuses local storage.
let memoryToken = "";

/** An error answered by the API, or a failure to reach it. */
export class APIError extends Error {
  /**
   * @param {string} message the API's "error", or what went wrong
   * @param {number} status the HTTP status, 0 when the server was not reached
   * @param {string} field the JSON path of the field at fault, when one is
   */
  constructor(message, status, field) {
    super(message);
    this.name = "APIError";
    this.status = status;
    this.field = field || "";
  }
}

/**
 * Parses JSON keeping integers beyond 2^53 exact, as BigInt: job results
 * carry numbers of any size (principle: exact numbers).
 * @param {string} text
 */
export function parseJSON(text) {
  return JSON.parse(text, (key, value, context) => {
    if (typeof value === "number" && !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  });
}

/** The bearer token saved for POST and DELETE, or "". */
export function token() {
  try {
    return localStorage.getItem(tokenKey) || memoryToken;
  } catch {
    return memoryToken;
  }
}

/** Saves the bearer token ("" forgets it). */
export function setToken(value) {
  try {
    if (value) localStorage.setItem(tokenKey, value);
    else localStorage.removeItem(tokenKey);
  } catch {
    // Storage may be disabled; the token then lasts as long as the page.
  }
  memoryToken = value;
}

/**
 * Calls the API and returns its decoded JSON answer.
 * @param {string} method
 * @param {string} url
 * @param {object|FormData} [body] a JSON value, or a form for multipart
 */
export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const t = token();
  if (t && method !== "GET") headers.Authorization = `Bearer ${t}`;
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new APIError(`The server could not be reached (${err.message}).`, 0, "");
  }
  const text = await res.text();
  let data = null;
  if (text && (res.headers.get("Content-Type") || "").includes("json")) {
    try {
      data = parseJSON(text);
    } catch {
      throw new APIError(`The server answered ${res.status} with JSON the page cannot read.`, res.status, "");
    }
  }
  if (!res.ok) {
    const reason = (data && data.error) || text.trim() || res.statusText;
    throw new APIError(reason, res.status, (data && data.field) || "");
  }
  return data;
}

/** GET url and return its JSON. */
export const get = (url) => request("GET", url);

/** POST body to url and return the JSON answer. */
export const post = (url, body) => request("POST", url, body);

/**
 * A query string from the non-empty entries of params.
 * @param {Record<string, string|number>} params
 */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== "" && v !== undefined && v !== null) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}
