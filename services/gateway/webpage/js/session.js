// The bearer token: taken from a sign-in link's fragment (#token=…), kept in sessionStorage
// (never a cookie), and taken off the address bar at once so it is not in the history.
const KEY = "lgv.token";

/** Move a token from the URL fragment into sessionStorage; true when there was one. */
export function takeFromAddress() {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match) return false;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
  history.replaceState(null, "", location.pathname);
  return true;
}

/** A pasted sign-in link or a bare token, stored; false when it is neither. */
export function signInWith(text) {
  const value = String(text || "").trim();
  const token = value.includes("#token=") ? value.split("#token=")[1].split("&")[0] : value;
  if (!claimsOf(token)) return false;
  sessionStorage.setItem(KEY, decodeURIComponent(token));
  return true;
}

export function token() { return sessionStorage.getItem(KEY); }

export function signOut() { sessionStorage.removeItem(KEY); }

/** Who the token names (sub, role, regions, exp), read from its payload for display.
 * The gateway checks the signature on every call; this only decides what to show. */
export function claimsOf(raw) {
  const parts = String(raw || "").split(".");
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims.role === "string" ? claims : null;
  } catch {
    return null;
  }
}

export function current() {
  const claims = claimsOf(token());
  if (!claims) return null;
  return { name: String(claims.sub || ""), role: claims.role, regions: (claims.regions || []).map(String),
           expires: typeof claims.exp === "number" ? claims.exp * 1000 : null };
}

export function expired(who) { return who.expires !== null && who.expires <= Date.now(); }

export const can = {
  work: (who) => who.role === "coordinator" || who.role === "consultant",
  audit: (who) => who.role === "coordinator" || who.role === "auditor",
  erase: (who) => who.role === "coordinator",
  report: (who) => who.role !== "system",
};
