// A static SPA: the Worker serves build/index.html for every path and all data comes from the
// API at runtime, so nothing is rendered on a server or at build time.
export const ssr = false;
export const prerender = false;
