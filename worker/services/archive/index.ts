/**
 * Weekly archives: which weeks are due, the streaming ZIP build (build.ts), day parts, signed links, downloads, expiry and hot retention.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { dueArchiveWeeks, organizationsWithDayEvents } from './archive-rows.ts';
export { buildDayPart, buildWeekArchive } from './build.ts';
export { serveArchiveFile } from './download.ts';
export { expireArchives } from './expiry.ts';
export { archivePublicKey, listArchivesWithLinks } from './links.ts';
export { applyRetention } from './retention.ts';
export { archiveKeys } from './storage.ts';
