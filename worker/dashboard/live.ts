// The page's only script: every few seconds it fetches the page again (the
// cookie rides along) and swaps in the fresh #live section, so rendering has
// one implementation, on the server. A failed fetch just shows as "stale".

/** How often the page refreshes itself. */
export const REFRESH_MS = 3_000;

export const liveScript = `(() => {
  const status = document.getElementById("status");
  async function refresh() {
    try {
      const res = await fetch(location.pathname, { credentials: "same-origin", cache: "no-store" });
      if (!res.ok) throw new Error(String(res.status));
      const next = new DOMParser().parseFromString(await res.text(), "text/html").getElementById("live");
      if (next) document.getElementById("live").replaceWith(next);
      status.textContent = "live";
    } catch (e) {
      status.textContent = "stale (" + e.message + ")";
    }
    setTimeout(refresh, ${REFRESH_MS});
  }
  setTimeout(refresh, ${REFRESH_MS});
})();`;
