// The one way the page talks to the gateway: /api/v1 with the bearer token, JSON both ways.
// Every write carries an Idempotency-Key, so a repeated click or a retry does one thing.
import { token } from "./session.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error) || "error";
    this.fields = flatten((body && body.fields) || {});
  }
}

let onUnauthorized = () => {};

/** What to do when the gateway answers 401 (an expired or revoked token). */
export function whenUnauthorized(handler) { onUnauthorized = handler; }

/** ``{"participant": {"municipality": ["…"]}}`` as ``{"participant.municipality": ["…"]}``. */
function flatten(fields, prefix = "") {
  const flat = {};
  for (const [key, value] of Object.entries(fields)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value)) Object.assign(flat, flatten(value, name));
    else flat[name] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return flat;
}

/** A fresh key for one write (getRandomValues works on plain http too, randomUUID does not). */
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return `/api/v1${path}${text ? `?${text}` : ""}`;
}

async function call(method, path, { query, body, key, accept = "application/json" } = {}) {
  const headers = { Accept: accept, Authorization: `Bearer ${token() || ""}` };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["Idempotency-Key"] = key || newKey();
  }
  const response = await fetch(url(path, query), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit", cache: "no-store", redirect: "error",
  });
  if (response.ok) return response;
  let answer = null;
  try { answer = await response.json(); } catch { answer = null; }
  const error = new ApiError(response.status, answer);
  if (response.status === 401) onUnauthorized(error);
  throw error;
}

export async function get(path, query) { return (await call("GET", path, { query })).json(); }

/** A write; ``key`` is the Idempotency-Key of this one action (the same on a retry). */
export async function post(path, body, key) { return (await call("POST", path, { body, key })).json(); }

/** A file (the report's CSV) as a Blob. */
export async function download(path, query, accept) { return (await call("GET", path, { query, accept })).blob(); }

const PAGE = 200;

/** Every item of a paginated list, following ``next_cursor`` up to ``max`` items. */
export async function all(path, query = {}, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const answer = await get(path, { ...query, limit: PAGE, cursor });
    items.push(...answer.items);
    cursor = answer.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
